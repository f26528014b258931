/**
 * Turns a lazy sequence of tar items into a layer: the (optionally compressed) tar bytes and the
 * diffID, the sha256 of the uncompressed tar (image-spec/config.md#properties, `rootfs.diff_ids`).
 */
import { createHash, type Hash } from 'node:crypto';
import { pipeline, Readable } from 'node:stream';
import type { Compression } from '../../oci/media-types.js';
import { compressStream } from '../compression.js';
import { type TarItem, tarChunks } from './tar-writer.js';

export interface PackOptions {
  compression: Compression;
  /** Compression level (gzip 1..9, zstd 1..22); the compressor's default when absent. */
  level?: number;
  /**
   * SOURCE_DATE_EPOCH semantics (reproducible-builds.org): no mtime in the layer is later than
   * this (seconds). Entries the packer invents (whiteouts) get exactly this time.
   */
  sourceDateEpoch?: number;
}

export interface PackedLayer {
  /** The layer blob: tar bytes, compressed as asked. Errors (unreadable file...) end it with an error. */
  stream: Readable;
  /** `sha256:...` of the uncompressed tar; settles when the tar has been fully produced. */
  diffID: Promise<string>;
}

/** Pulls chunks from the generator on demand, hashing them on the way out. */
class TarReadable extends Readable {
  private readonly chunks: Generator<Buffer, void, undefined>;
  private readonly hash: Hash = createHash('sha256');
  private settled = false;
  private readonly resolve: (d: string) => void;
  private readonly reject: (e: Error) => void;

  constructor(chunks: Generator<Buffer, void, undefined>, resolve: (d: string) => void, reject: (e: Error) => void) {
    super({ highWaterMark: 1 << 20 });
    this.chunks = chunks;
    this.resolve = resolve;
    this.reject = reject;
  }

  override _read(): void {
    try {
      for (;;) {
        const next = this.chunks.next();
        if (next.done) {
          this.settled = true;
          this.resolve(`sha256:${this.hash.digest('hex')}`);
          this.push(null);
          return;
        }
        this.hash.update(next.value);
        if (!this.push(next.value)) {
          // A consumer that destroyed us from inside push() could not close the generator then.
          if (this.destroyed) this.chunks.return(undefined);
          return;
        }
      }
    } catch (err) {
      this.destroy(err as Error);
    }
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    // Runs the generators' finally blocks, closing any open file.
    try {
      this.chunks.return(undefined);
    } catch {
      // already failing
    }
    if (!this.settled) {
      this.settled = true;
      this.reject(err ?? new Error('layer stream destroyed before the end'));
    }
    cb(err);
  }
}

export function packItems(items: Iterable<TarItem>, opts: PackOptions): PackedLayer {
  let resolve!: (d: string) => void;
  let reject!: (e: Error) => void;
  const diffID = new Promise<string>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Callers that only consume `stream` see the error there; don't also crash on an unhandled rejection.
  diffID.catch(() => {});
  const tar = new TarReadable(tarChunks(items), resolve, reject);
  if (opts.compression === 'none') return { stream: tar, diffID };
  const compressed = compressStream(opts.compression, opts.level);
  pipeline(tar, compressed, () => {});
  return { stream: compressed, diffID };
}
