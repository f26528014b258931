/**
 * ensureSnapshots: the lowerdirs of an image, top layer first (overlayfs' lowerdir order),
 * unpacking from the layout whatever snapshot is missing — for images that arrived without a
 * pull (hull copy into the store, an import) or whose snapshots were removed. Each missing layer
 * is decoded off the main thread (layer/decode.ts: blob digest and diff_id both verified) and
 * applied alone in overlay format, so layers unpack in parallel: none needs its parent's files.
 */
import { HullError } from '../../errors.js';
import { openLayerBlob, requireLayerCompression } from '../../image/layer/layer-blob.js';
import type { ImageLayout } from '../../image/layout/layout.js';
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

/** Builds the snapshot of layer `i` from its blob in the layout. */
export async function snapshotFromLayout(
  layout: ImageLayout,
  snapshots: SnapshotStore,
  image: SnapshotSource,
  i: number,
  opts: EnsureOptions = {},
): Promise<void> {
  const layer = image.layers[i]!;
  requireLayerCompression(layer);
  const path = layout.blobPath(layer.digest);
  // Loaded when a snapshot is missing: a run of an unpacked image needs neither (start-up).
  const [{ applyLayer }, { decodeLayer }] = await Promise.all([
    import('../../image/layer/apply.js'),
    import('../../image/layer/decode.js'),
  ]);
  await snapshots.create(image.chainIDs[i]!, image.diffIDs[i]!, image.chainIDs[i - 1], async (fsDir) => {
    let blob: ReturnType<typeof openLayerBlob>;
    try {
      blob = openLayerBlob(layout, layer);
    } catch (err) {
      // The layout's error, with what to do about it in the engine's store.
      if (err instanceof HullError && err.code === 'BLOB_UNKNOWN')
        throw new HullError(err.code, `${err.message}; pull the image again`, {
          file: err.file,
          section: err.section,
          cause: err,
        });
      throw err;
    }
    const { fd, compression } = blob;
    const tar = decodeLayer({
      fd,
      compression,
      blob: { digest: layer.digest, size: layer.size, label: path },
      diff: { digest: image.diffIDs[i]!, label: `layer ${layer.digest} (diff_id)` },
      lend: true, // applyLayer hands every chunk back
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
