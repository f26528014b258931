/**
 * ensureSnapshots: the lowerdirs of an image, top layer first (overlayfs' lowerdir order),
 * unpacking from the layout whatever snapshot is missing — for images that arrived without a
 * pull (hull copy into the store, an import) or whose snapshots were removed. Each missing layer
 * is decoded in the decode worker (layer/decode.ts: blob digest and diff_id both verified) and
 * applied alone in overlay format, so layers unpack in parallel: none needs its parent's files.
 */
import { openSync } from 'node:fs';
import { HullError, isErrno } from '../../errors.js';
import type { ImageLayout } from '../../image/layout/layout.js';
import { layerCompression } from '../../oci/media-types.js';
import type { Descriptor } from '../../oci/types.js';
import type { SnapshotStore } from './snapshot-store.js';

/** What ensureSnapshots needs of an image (LocalImage from images/store.ts has it). */
export interface SnapshotSource {
  layers: Descriptor[];
  diffIDs: string[];
  chainIDs: string[];
}

export interface EnsureOptions {
  maxLayerBytes?: number;
  /** Layers unpacked at once; default 3. */
  concurrency?: number;
}

export function unsupportedLayer(layer: Descriptor): HullError {
  return new HullError('LAYER_UNSUPPORTED', `layer ${layer.digest} has unsupported media type '${layer.mediaType}'`, {
    file: layer.digest,
    section: 'image-spec/manifest.md#image-manifest-property-descriptions',
  });
}

/** Builds the snapshot of layer `i` from its blob in the layout. */
export async function snapshotFromLayout(
  layout: ImageLayout,
  snapshots: SnapshotStore,
  image: SnapshotSource,
  i: number,
  opts: EnsureOptions = {},
): Promise<void> {
  const layer = image.layers[i]!;
  const compression = layerCompression(layer.mediaType);
  if (!compression) throw unsupportedLayer(layer);
  const path = layout.blobPath(layer.digest);
  // Loaded when a snapshot is missing: a run of an unpacked image needs neither (start-up).
  const [{ applyLayer }, { decodeLayer }] = await Promise.all([
    import('../../image/layer/apply.js'),
    import('../../image/layer/decode.js'),
  ]);
  await snapshots.create(image.chainIDs[i]!, image.diffIDs[i]!, image.chainIDs[i - 1], async (fsDir) => {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
      throw new HullError(
        'BLOB_UNKNOWN',
        `blob ${layer.digest} is not in the image store ${layout.dir} (${path} does not exist); pull the image again`,
        { file: path, section: 'image-spec/image-layout.md#blobs', cause: err },
      );
    }
    const tar = decodeLayer({
      fd,
      compression,
      blob: { digest: layer.digest, size: layer.size, label: path },
      diff: { digest: image.diffIDs[i]!, label: `layer ${layer.digest} (diff_id)` },
    });
    const stats = await applyLayer(fsDir, tar, {
      layerLabel: layer.digest,
      maxBytes: opts.maxLayerBytes,
      whiteouts: 'overlay',
    });
    return { size: stats.dataBytes, tarBytes: stats.tarBytes };
  });
}

/** The image's lowerdirs, top layer first, each snapshot made if it is missing. */
export async function ensureSnapshots(
  layout: ImageLayout,
  snapshots: SnapshotStore,
  image: SnapshotSource,
  opts: EnsureOptions = {},
): Promise<string[]> {
  const missing: number[] = [];
  for (const [i, chainID] of image.chainIDs.entries()) if (!(await snapshots.has(chainID))) missing.push(i);
  await runPool(missing, opts.concurrency ?? 3, (i) => snapshotFromLayout(layout, snapshots, image, i, opts));
  return image.chainIDs.map((c) => snapshots.fsPath(c)).reverse();
}

/** Runs `fn` over `items`, at most `limit` at once; waits for all started work before rethrowing the first error. */
export async function runPool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!failure && next < items.length) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure) throw failure.err;
}
