/**
 * Layer decoding off the main thread: each layer's blob is read, verified against the layer
 * digest and size, decompressed, and its tar verified against the diff_id, elsewhere than on
 * the main thread, which is left with the tar parsing and filesystem calls (the bulk of an
 * unpack). Two ways, one behaviour (the same errors, codes and labels):
 *  - gzip through ISA-L and uncompressed layers: two native threads of the addon
 *    (decode-native.ts, native/addon/layer_decoder.cc), no JavaScript between them;
 *  - node:zlib (HULL_GZIP=zlib, or no ISA-L), igzip and zstd: a worker thread
 *    (decode-worker.ts), shared by the layers of an unpack, which hands the tar over as
 *    transferred (zero-copy) ArrayBuffers.
 *
 * Worker flow control: the worker stops once `window` bytes are posted and not yet credited
 * back; the main thread credits bytes as the stream's consumer reads them (in `_read`), so at
 * most window + highWaterMark bytes of a layer are decoded ahead of its consumer. A consumer
 * that is done with a chunk may hand it back (recycle); it returns to the worker with the next
 * credit, which decodes into it again instead of faulting in a fresh 1 MiB buffer.
 *
 * The stream ends only after both verifications passed; a mismatch is the same HullError
 * (DIGEST_MISMATCH / SIZE_MISMATCH, same message and labels) as VerifyingStream's. Destroying
 * the stream stops its decoding; the blob's file descriptor is closed once nothing uses it.
 */
import { closeSync } from 'node:fs';
import { Readable } from 'node:stream';
import type { Worker } from 'node:worker_threads';
import { parseDigest } from '../../oci/digest.js';
import { revive } from './decode-errors.js';
import { NativeDecodedLayer, nativeDecodes } from './decode-native.js';
import type { ControlMessage, DecodeJob, DecodeMessage, GunzipTool } from './decode-protocol.js';
import { gzipInflater } from './gunzip-tool.js';

export interface DecodeLayerOptions {
  /** Open descriptor of the blob; the stream owns it from now on (closed when done or failed). */
  fd: number;
  compression: 'none' | 'gzip' | 'zstd';
  /** The layer descriptor's digest and size, and the label naming it in errors (the blob path). */
  blob: { digest: string; size: number; label: string };
  /** The config's diff_id and its error label; without it the tar is not verified. */
  diff?: { digest: string; label: string };
  /** Bytes decoded ahead of the consumer; default 8 MiB. */
  window?: number;
  /**
   * The consumer hands every chunk back with recycle() once it holds no reference into it
   * (applyLayer does): the native decoder then lends it its own buffers instead of copying
   * each chunk out, and stops when all of them are lent.
   */
  lend?: boolean;
  /** Natively decoded gzip: false reads the blob with pread instead of mapping it (tests). */
  mmap?: boolean;
}

const WORKER_URL = new URL('./decode-worker.js', import.meta.url);
const DEFAULT_WINDOW = 8 << 20;
/**
 * gunzip output chunks: zlib's default 16 KiB costs a thread-pool round trip and a message per
 * 16 KiB; 1 MiB measured best (vs 256 and 512 KiB) on the debian bench.
 */
const GUNZIP_CHUNK = 1 << 20;
const READ_SIZE = 1 << 20;
const HWM = 1 << 20;

/** A decoded layer: the tar stream, and for gzip which inflater it goes through (gunzip-tool.ts). */
export interface DecodedStream extends Readable {
  readonly gunzip: GunzipTool['via'] | undefined;
  /**
   * The consumer is done with a chunk this stream gave it and holds no reference into it: the
   * worker may decode into its memory again (fresh 1 MiB buffers cost page faults on both
   * threads). Optional; chunks not handed back are simply garbage-collected.
   */
  recycle(chunk: Buffer): void;
  /**
   * Calls cb once all of the layer is decoded (the decoder's threads are done, its last chunks
   * possibly not yet read), or at once on a stream that cannot tell (the worker's).
   */
  onDecoded(cb: () => void): void;
}

/** The layer's tar stream, decoded and verified in native threads or a worker thread. */
export function decodeLayer(opts: DecodeLayerOptions): DecodedStream {
  let gunzip: GunzipTool | undefined;
  try {
    parseDigest(opts.blob.digest, opts.blob.label);
    if (opts.diff) parseDigest(opts.diff.digest, opts.diff.label);
    if (opts.compression === 'gzip') gunzip = gzipInflater();
    if (nativeDecodes(opts.compression, gunzip))
      return new NativeDecodedLayer({
        fd: opts.fd,
        gzip: opts.compression === 'gzip',
        blob: opts.blob,
        diff: opts.diff,
        window: opts.window ?? DEFAULT_WINDOW,
        lend: opts.lend ?? false,
        mmap: opts.mmap,
      });
  } catch (err) {
    closeSync(opts.fd);
    throw err;
  }
  return new DecodedLayer(opts, gunzip);
}

/** The running worker and its jobs (until each job's fd is released). */
interface Pool {
  worker: Worker;
  jobs: Map<number, DecodedLayer>;
  exited: boolean;
  /** Set when a job failed or was cancelled: the worker goes as soon as it is idle. */
  failed: boolean;
  idleTimer: NodeJS.Timeout | undefined;
}

/** An idle worker is kept this long (unref'd: it never holds the process open) for the next layer. */
const IDLE_MS = 2000;

let pool: Pool | undefined;
let nextId = 1;

/**
 * Starts the decoder thread ahead of the first layer (its start-up, ~30-60 ms, then overlaps
 * resolving the image). Idle, it goes after IDLE_MS and never holds the process open.
 */
export function warmDecoder(): void {
  if (pool) return;
  let gunzip: GunzipTool | undefined;
  try {
    gunzip = gzipInflater();
  } catch {
    // decodeLayer reports a bad HULL_GZIP for the layer that needs it.
  }
  // gzip layers will be decoded natively: no thread to start (a zstd layer starts it when it comes).
  if (nativeDecodes('gzip', gunzip)) return;
  const p = ensurePool();
  p.idleTimer = setTimeout(() => endIdle(p), IDLE_MS);
  p.idleTimer.unref();
  p.worker.unref();
}

function endIdle(p: Pool): void {
  if (p.jobs.size > 0) return;
  if (pool === p) pool = undefined;
  void p.worker.terminate();
}

function ensurePool(): Pool {
  let p = pool;
  if (!p) {
    // Loaded here, not imported: the native path never needs node:worker_threads (~2 ms to load).
    const { Worker: WorkerThread } = process.getBuiltinModule('node:worker_threads');
    const worker: Worker = new WorkerThread(WORKER_URL);
    const created: Pool = { worker, jobs: new Map(), exited: false, failed: false, idleTimer: undefined };
    p = created;
    pool = created;
    worker.on('message', (m: DecodeMessage) => created.jobs.get(m.id)?.onMessage(m));
    worker.on('error', (err) => {
      for (const j of created.jobs.values()) j.destroy(err);
    });
    worker.on('exit', (code) => {
      created.exited = true;
      if (pool === created) pool = undefined;
      for (const j of created.jobs.values())
        j.released(new Error(`the layer decoder thread exited early (code ${code})`));
      created.jobs.clear();
    });
  }
  return p;
}

function startJob(layer: DecodedLayer, job: DecodeJob): Pool {
  const p = ensurePool();
  if (p.idleTimer) {
    clearTimeout(p.idleTimer);
    p.idleTimer = undefined;
    p.worker.ref();
  }
  p.jobs.set(layer.id, layer);
  p.worker.postMessage({ t: 'start', id: layer.id, job } satisfies ControlMessage);
  return p;
}

/**
 * Drops a finished job. A worker left without jobs is terminated at once after a failure, else
 * after IDLE_MS (unref'd meanwhile, so it never keeps the process alive).
 */
function endJob(p: Pool, id: number, failed: boolean): void {
  if (!p.jobs.delete(id)) return;
  if (failed) p.failed = true;
  if (p.jobs.size > 0 || p.exited) return;
  const stop = (): void => {
    if (pool === p) pool = undefined;
    void p.worker.terminate();
  };
  if (p.failed) {
    stop();
    return;
  }
  p.worker.unref();
  p.idleTimer = setTimeout(stop, IDLE_MS);
  p.idleTimer.unref();
}

class DecodedLayer extends Readable implements DecodedStream {
  readonly id = nextId++;
  readonly gunzip: GunzipTool['via'] | undefined;
  private readonly pool: Pool;
  private readonly fd: number;
  private readonly window: number;
  /** Bytes received and not yet credited back to the worker. */
  private unacked = 0;
  /** Whole chunk buffers the consumer handed back, returned to the worker with the next credit. */
  private recycled: ArrayBuffer[] = [];
  private ended = false;
  private fdClosed = false;

  constructor(opts: DecodeLayerOptions, gunzip: GunzipTool | undefined) {
    super({ highWaterMark: HWM });
    this.window = opts.window ?? DEFAULT_WINDOW;
    this.gunzip = gunzip?.via;
    this.fd = opts.fd;
    const job: DecodeJob = {
      fd: opts.fd,
      compression: opts.compression,
      blob: opts.blob,
      diff: opts.diff,
      window: this.window,
      chunkSize: GUNZIP_CHUNK,
      readSize: READ_SIZE,
      ...(gunzip ? { gunzip } : {}),
    };
    try {
      this.pool = startJob(this, job);
    } catch (err) {
      this.closeFd();
      throw err;
    }
  }

  onMessage(m: DecodeMessage): void {
    switch (m.t) {
      case 'data':
        if (this.destroyed) return;
        this.unacked += m.len;
        this.push(Buffer.from(m.buf, 0, m.len));
        return;
      case 'end':
        this.released();
        if (this.destroyed) return;
        this.ended = true;
        this.push(null);
        return;
      case 'error':
        this.released(revive(m.error));
        return;
      case 'released':
        this.released();
        return;
    }
  }

  /** The worker no longer uses the fd (the job ended, failed or was cancelled; or the worker exited). */
  released(err?: Error): void {
    this.closeFd();
    endJob(this.pool, this.id, err !== undefined || this.destroyed);
    if (err && !this.ended && !this.destroyed) this.destroy(err);
  }

  private closeFd(): void {
    if (this.fdClosed) return;
    this.fdClosed = true;
    closeSync(this.fd);
  }

  override _read(): void {
    // Credit in batches: the worker, stopped at `window`, always has ≥ window/4 to get back.
    if (this.unacked >= this.window / 4) {
      const back = this.recycled;
      this.recycled = [];
      if (!this.pool.exited)
        this.pool.worker.postMessage(
          { t: 'credit', id: this.id, n: this.unacked, buffers: back } satisfies ControlMessage,
          back,
        );
      this.unacked = 0;
    }
  }

  onDecoded(cb: () => void): void {
    cb();
  }

  recycle(chunk: Buffer): void {
    const ab = chunk.buffer;
    // Only buffers the worker made for chunks (see postOwned there), and each at most once.
    if (
      ab instanceof ArrayBuffer &&
      ab.byteLength === GUNZIP_CHUNK &&
      chunk.byteOffset === 0 &&
      this.recycled.length < 16 &&
      !this.recycled.includes(ab)
    )
      this.recycled.push(ab);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!this.fdClosed && !this.pool.exited)
      this.pool.worker.postMessage({ t: 'cancel', id: this.id } satisfies ControlMessage);
    cb(err);
  }
}
