/**
 * Applying layer changesets to a root filesystem (image-spec layer.md#applying-changesets).
 *
 * applyLayer reads one decompressed tar stream and applies it; applyLayers applies several in
 * order, decompressing the next layer ahead (into a bounded in-memory queue) while the current
 * one is written, so the decompressor and the filesystem work overlap.
 *
 * Security: every path is resolved inside the rootfs (resolve-in-root.ts); nothing is written
 * outside it. Limits: opts.maxBytes bounds each layer's uncompressed size (LAYER_TOO_LARGE);
 * malformed or truncated tars are LAYER_INVALID; filesystem failures LAYER_APPLY_FAILED. Device
 * nodes are created (mknod) like umoci does when running as root.
 */
import { mkdirSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { HullError } from '../../errors.js';
import { type ApplyStats, emptyStats, LayerApplier, type WhiteoutFormat } from './apply-entry.js';
import { type Prefetched, prefetch } from './apply-prefetch.js';
import { TarReader } from './apply-tar.js';

export type { ApplyStats, WhiteoutFormat } from './apply-entry.js';

export interface ApplyOptions {
  /** Bound on a layer's uncompressed (tar) size; default 32 GiB. */
  maxBytes?: number;
  /** Names the layer in errors, e.g. its digest. */
  layerLabel?: string;
  /** 'overlay': unpack as an overlayfs lowerdir of its own (apply-entry.ts); default 'oci'. */
  whiteouts?: WhiteoutFormat;
  /** The rootfs is empty: this is its first layer (apply-entry.ts ApplierOptions). */
  freshRoot?: boolean;
}

export interface LayerSource {
  /** Opens the layer's decompressed tar stream. */
  open: () => Readable;
  label: string;
}

export interface ApplyLayersOptions {
  maxBytes?: number;
  /** Bytes of the next layer to decompress ahead while the current one is applied; default 64 MiB, 0 disables. */
  readAhead?: number;
  /** Called after each layer is applied, with its position (0-based) and stats: progress display. */
  onLayerDone?: (index: number, stats: ApplyStats) => void;
  /** The rootfs is empty (the caller just made it): the first layer has nothing below it. */
  freshRoot?: boolean;
}

export const DEFAULT_MAX_BYTES = 32 * 1024 ** 3;

/** Applies one layer's tar stream (already decompressed) onto rootfs. */
export async function applyLayer(
  rootfs: string,
  tar: Readable | AsyncIterable<Buffer>,
  opts: ApplyOptions = {},
): Promise<ApplyStats> {
  const label = opts.layerLabel ?? 'layer';
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  mkdirSync(rootfs, { recursive: true });
  const applier = new LayerApplier(rootfs, label, { whiteouts: opts.whiteouts, freshRoot: opts.freshRoot });
  const reader = new TarReader(applier, { maxBytes, label });
  try {
    try {
      // The reader keeps nothing of a chunk once push returns (it copies what it holds on to),
      // so a decoded layer may reuse the chunk's memory (decode.ts recycle).
      const source = tar as Partial<{ recycle(c: Buffer): void }>;
      const recycle = typeof source.recycle === 'function' ? (c: Buffer) => source.recycle?.(c) : undefined;
      for await (const chunk of tar) {
        const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
        reader.push(buf);
        recycle?.(buf);
      }
    } catch (err) {
      if (err instanceof HullError) throw err;
      // The stream itself failed: corrupt compression, a read error.
      throw new HullError('LAYER_INVALID', `layer ${label}: cannot read the layer: ${(err as Error).message}`, {
        file: label,
        section: 'image-spec/layer.md',
        cause: err,
      });
    }
    reader.finish();
    applier.finish();
  } catch (err) {
    if ('destroy' in tar && typeof tar.destroy === 'function') tar.destroy();
    throw err;
  } finally {
    applier.close();
  }
  return { ...applier.stats, tarBytes: reader.bytes };
}

/** Applies layers in order (lowest first); returns the summed stats. */
export async function applyLayers(
  rootfs: string,
  layers: LayerSource[],
  opts: ApplyLayersOptions = {},
): Promise<ApplyStats> {
  const total = emptyStats();
  const readAhead = opts.readAhead ?? 64 * 1024 * 1024;
  let next: Prefetched | undefined = layers.length > 0 ? prefetch((layers[0] as LayerSource).open(), 0) : undefined;
  for (let i = 0; i < layers.length; i++) {
    const layer = layers[i] as LayerSource;
    const current = next as Prefetched;
    next = undefined;
    // The next layer starts decompressing once this one's decoder has finished (at once for a
    // stream that cannot tell): until then the cores are busy with this layer, which the
    // filesystem work waits for, and after it one of them would idle while this layer's last
    // chunks are written. It fills at most readAhead bytes meanwhile.
    const step = { done: false, failure: undefined as { err: unknown } | undefined };
    const openNext = (): void => {
      if (step.done || i + 1 >= layers.length) return;
      step.done = true;
      try {
        next = prefetch((layers[i + 1] as LayerSource).open(), readAhead);
      } catch (err) {
        // Fails this layer too (BLOB_UNKNOWN for a missing blob, named as such below).
        step.failure = { err };
        current.destroy(err as Error);
      }
    };
    try {
      current.onDecoded(openNext);
      const stats = await applyLayer(rootfs, current, {
        maxBytes: opts.maxBytes,
        layerLabel: layer.label,
        freshRoot: i === 0 && opts.freshRoot,
      });
      openNext();
      if (step.failure) throw step.failure.err;
      for (const k of Object.keys(total) as (keyof ApplyStats)[]) total[k] += stats[k];
      opts.onLayerDone?.(i, stats);
    } catch (err) {
      step.done = true;
      current.destroy();
      // (Assigned in openNext, which TypeScript's narrowing does not follow.)
      (next as Prefetched | undefined)?.destroy();
      throw step.failure ? step.failure.err : err;
    }
  }
  return total;
}
