/**
 * Applying layer changesets to a root filesystem (image-spec layer.md#applying-changesets).
 *
 * applyLayer reads one decompressed tar stream and applies it; applyLayers applies several in
 * order, decompressing the next layer ahead (into a bounded in-memory queue) while the current
 * one is written, so the decompressor (on libuv's thread pool) and the filesystem work overlap.
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
import { prefetch } from './apply-prefetch.js';
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
  let next = layers.length > 0 ? prefetch((layers[0] as LayerSource).open(), 0) : undefined;
  for (let i = 0; i < layers.length; i++) {
    const layer = layers[i] as LayerSource;
    const current = next as ReturnType<typeof prefetch>;
    next = undefined;
    try {
      // Start decompressing the next layer now; it fills at most readAhead bytes meanwhile.
      // (Inside the try: if opening it fails, the current layer's stream is destroyed too.)
      next = i + 1 < layers.length ? prefetch((layers[i + 1] as LayerSource).open(), readAhead) : undefined;
      const stats = await applyLayer(rootfs, current, {
        maxBytes: opts.maxBytes,
        layerLabel: layer.label,
        freshRoot: i === 0 && opts.freshRoot,
      });
      for (const k of Object.keys(total) as (keyof ApplyStats)[]) total[k] += stats[k];
      opts.onLayerDone?.(i, stats);
    } catch (err) {
      current.destroy();
      next?.destroy();
      throw err;
    }
  }
  return total;
}
