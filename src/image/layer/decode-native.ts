/**
 * A layer decoded by the native addon's two threads (native/addon/layer_decoder.cc): one reads
 * the blob, hashes it for the layer digest and inflates it with ISA-L (or passes an uncompressed
 * blob through) into a ring of 1 MiB buffers; the other hashes each filled buffer for the
 * diff_id and marks it ready. This side takes ready buffers as the stream's consumer reads,
 * and compares the digests at the end: the stream ends only after both matched, and every
 * failure is the same error (code, message, labels) as the worker path's (decode-worker.ts).
 *
 * Used for gzip through ISA-L and for uncompressed layers, the common cases: no worker thread
 * to start (~60 ms before the first byte) and no JavaScript between the inflate and the hashes.
 * node:zlib, igzip and zstd stay in the worker (decode.ts).
 *
 * The ring bounds what is decoded ahead (a decompression bomb cannot run ahead of the
 * consumer). Chunks are lent: with `lend`, the consumer hands each one back with recycle() once
 * it holds no reference into it (applyLayer does), and until then the decoder cannot reuse that
 * buffer; without `lend`, each chunk is copied out and its buffer reused at once.
 */
import { closeSync } from 'node:fs';
import { Readable } from 'node:stream';
import { getSystemErrorName } from 'node:util';
import { native } from '../../native.js';
import { parseDigest } from '../../oci/digest.js';
import { blobVerdict, diffVerdict, hullError, isalError, revive, sizeMismatch } from './decode-errors.js';
import type { GunzipTool, SerializedError } from './decode-protocol.js';

/** The addon's side (layer_decoder.cc). */
interface DecoderNative {
  layerDecoderNew(
    fd: number,
    gzip: boolean,
    blobAlgorithm: string,
    diffAlgorithm: string | null,
    blobSize: number,
    readSize: number,
    buffers: Buffer[],
    /** final: the decoder's threads are done (its last buffers may still be ready to take). */
    notify: (final: boolean) => void,
    map?: boolean,
  ): object;
  /** [index, length] of a ready buffer; -1 none yet (notify follows), -2 the end, -3 failed. */
  layerDecoderTake(h: object): [number, number] | -1 | -2 | -3;
  layerDecoderGive(h: object, index: number): void;
  layerDecoderResult(h: object): DecoderResult;
  layerDecoderStop(h: object): void;
}

interface DecoderResult {
  /** layer_decoder.cc's Failure: 0 none, 1 read errno, 2 too long, 3 inflate rc, 4 truncated, 5 no progress, 6 internal. */
  failure: number;
  code: number;
  blobBytes: number;
  blobDigest: string;
  diffDigest?: string;
  /** strerror(code) of a read error. */
  errnoMessage?: string;
}

export interface NativeDecodeOptions {
  fd: number;
  gzip: boolean;
  blob: { digest: string; size: number; label: string };
  diff?: { digest: string; label: string };
  /** Bytes decoded ahead of the consumer (the ring's size, in CHUNK buffers). */
  window: number;
  lend: boolean;
  /** false: a gzip blob is read with pread rather than mapped (the fallback path; tests). */
  mmap?: boolean;
}

const CHUNK = 1 << 20;
const READ_SIZE = 1 << 20;
/** Chunks (objectMode) buffered in the stream before it stops taking from the decoder. */
const HWM = 2;

/**
 * Ring buffers of finished layers, for the next: fresh 1 MiB buffers cost page faults on both
 * sides (the debian bench's unpack goes through ~140 of them).
 */
const spare: Buffer[] = [];
const MAX_SPARE = 32;

function ringBuffer(): Buffer {
  return spare.pop() ?? Buffer.allocUnsafeSlow(CHUNK);
}

function retire(buf: Buffer): void {
  if (spare.length < MAX_SPARE) spare.push(buf);
}

/** Whether this addon decodes this compression natively (an older build has no layer decoder). */
export function nativeDecodes(compression: 'none' | 'gzip' | 'zstd', gunzip: GunzipTool | undefined): boolean {
  if (compression === 'zstd' || (compression === 'gzip' && gunzip?.via !== 'isal')) return false;
  return typeof (native() as unknown as Partial<DecoderNative>).layerDecoderNew === 'function';
}

const algorithmOf = (digest: string): string => parseDigest(digest).algorithm;

export class NativeDecodedLayer extends Readable {
  readonly gunzip: GunzipTool['via'] | undefined;
  private readonly n: DecoderNative;
  private readonly handle: object;
  private readonly ring: Buffer[];
  private readonly slot = new Map<ArrayBufferLike, number>();
  /** Ring indexes handed to the consumer and not yet given back. */
  private readonly lent = new Set<number>();
  /** The threads have stopped (ended, failed, or destroyed): the ring is no longer written. */
  private stopped = false;
  /** Whether the diff_id is checked by comparing digests (same bytes, same algorithm). */
  private readonly diffIsBlob: boolean;

  constructor(private readonly opts: NativeDecodeOptions) {
    // objectMode: read() hands out the chunks as they were pushed. In byte mode it concatenates
    // what is buffered into a new Buffer, and a lent ring buffer would never come back.
    super({ objectMode: true, highWaterMark: HWM });
    this.gunzip = opts.gzip ? 'isal' : undefined;
    this.n = native() as unknown as DecoderNative;
    const count = Math.max(2, Math.ceil(opts.window / CHUNK));
    this.ring = Array.from({ length: count }, ringBuffer);
    for (const [i, b] of this.ring.entries()) this.slot.set(b.buffer, i);
    const blobAlg = algorithmOf(opts.blob.digest);
    const diffAlg = opts.diff ? algorithmOf(opts.diff.digest) : undefined;
    this.diffIsBlob = !opts.gzip && diffAlg === blobAlg;
    this.handle = this.n.layerDecoderNew(
      opts.fd,
      opts.gzip,
      blobAlg,
      diffAlg && !this.diffIsBlob ? diffAlg : null,
      opts.blob.size,
      READ_SIZE,
      this.ring,
      (final) => {
        if (final) this.decoded();
        this.pump();
      },
      opts.mmap ?? true,
    );
  }

  private decodedCallbacks: (() => void)[] | undefined = [];

  /** The threads are done (or stopped): the onDecoded callbacks run, once. */
  private decoded(): void {
    const cbs = this.decodedCallbacks;
    this.decodedCallbacks = undefined;
    if (cbs) for (const cb of cbs) cb();
  }

  onDecoded(cb: () => void): void {
    if (this.decodedCallbacks) this.decodedCallbacks.push(cb);
    else cb();
  }

  override _read(): void {
    this.pump();
  }

  /** Moves ready buffers into the stream until it is full, nothing is ready, or the end. */
  private pump(): void {
    while (!this.stopped && !this.destroyed) {
      const r = this.n.layerDecoderTake(this.handle);
      if (r === -1) return;
      if (typeof r === 'number') {
        this.settle();
        return;
      }
      const [i, len] = r;
      const buf = this.ring[i]!;
      let chunk: Buffer;
      if (this.opts.lend) {
        this.lent.add(i);
        chunk = buf.subarray(0, len);
      } else {
        chunk = Buffer.from(buf.subarray(0, len));
        this.n.layerDecoderGive(this.handle, i);
      }
      if (!this.push(chunk)) return;
    }
  }

  /** Both threads are done: the verdicts, then the end of the stream or its error. */
  private settle(): void {
    const res = this.n.layerDecoderResult(this.handle);
    this.stop(true);
    this.decoded();
    const err = this.verdict(res);
    if (err) this.destroy(revive(err));
    else this.push(null);
  }

  private verdict(res: DecoderResult): SerializedError | null {
    const { blob, diff } = this.opts;
    if (res.failure === 1) {
      const code = getSystemErrorName(-res.code);
      return { hull: false, code, message: `${code}: ${res.errnoMessage ?? 'read failed'}, read ${blob.label}` };
    }
    if (res.failure === 2) return sizeMismatch(blob.label, blob.size, res.blobBytes, true);
    if (res.failure === 6) return { hull: false, code: 'EIO', message: `cannot hash ${blob.label}: OpenSSL failed` };
    // The blob first: when it is corrupt, that is the cause and a gzip error only its symptom.
    const blobErr = blobVerdict(blob, res.blobBytes, `${algorithmOf(blob.digest)}:${res.blobDigest}`);
    if (blobErr) return blobErr;
    if (res.failure === 3) return isalError(res.code);
    if (res.failure === 4) return { hull: false, code: 'Z_BUF_ERROR', message: 'unexpected end of file' };
    if (res.failure === 5) return { hull: false, code: 'Z_DATA_ERROR', message: 'invalid compressed data' };
    if (res.failure !== 0)
      return hullError('LAYER_INVALID', `${blob.label}: decoder failed`, blob.label, 'image-spec/layer.md');
    if (!diff) return null;
    // Same bytes, same algorithm: the diff_id matches exactly when it equals the (verified) blob digest.
    return diffVerdict(diff, this.diffIsBlob ? blob.digest : `${algorithmOf(diff.digest)}:${res.diffDigest}`);
  }

  /**
   * Joins the threads and closes the blob (the stream owns its fd); on a clean end the buffers
   * not lent out go back to the spare list.
   */
  private stop(clean: boolean): void {
    if (this.stopped) return;
    this.stopped = true;
    this.n.layerDecoderStop(this.handle);
    closeSync(this.opts.fd);
    if (clean) for (const [i, b] of this.ring.entries()) if (!this.lent.has(i)) retire(b);
  }

  /** The consumer is done with a chunk it was lent (see the module comment). */
  recycle(chunk: Buffer): void {
    const i = this.slot.get(chunk.buffer);
    if (i === undefined || !this.lent.delete(i)) return;
    if (!this.stopped) this.n.layerDecoderGive(this.handle, i);
    else if (!this.destroyed || this.readableEnded) retire(this.ring[i]!);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    // A destroyed stream's lent chunks may still be in use somewhere: its ring is left to the GC.
    this.stop(false);
    this.decodedCallbacks = undefined; // nothing more comes of it
    cb(err);
  }
}
