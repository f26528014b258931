/**
 * The layer decoder's worker thread (started by decode.ts, shared by the layers of an unpack,
 * each a job with its own id, decoded concurrently): for each job, reads the blob from
 * the file descriptor it is given, hashes the compressed bytes against the layer digest and
 * size, decompresses (gzip in node:zlib with large output chunks, zstd in the `zstd` child
 * process), hashes the tar bytes against the diff_id, and posts the tar to the main thread as
 * transferred ArrayBuffers. It keeps at most `window` bytes posted but not yet credited back by
 * the main thread, so a slow consumer stops the whole chain (file reads included).
 *
 * `end` is posted only after both digests (and the size) matched; any failure posts one `error`
 * and nothing after it. The main thread owns the file descriptor (it closes it once this thread
 * has exited), so the thread never closes it.
 *
 * Imports stay lean (node built-ins, errors.js, and compression.ts only for zstd, loaded on
 * demand): this module is loaded by every unpack and its start-up is on the critical path.
 */
import { createHash, type Hash } from 'node:crypto';
import { readSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import { parentPort } from 'node:worker_threads';
import { createGunzip } from 'node:zlib';

export interface DecodeJob {
  /** Open file descriptor of the blob (owned by the main thread). */
  fd: number;
  compression: 'none' | 'gzip' | 'zstd';
  /** The layer descriptor's digest and size, and the label that names it in errors. */
  blob: { digest: string; size: number; label: string };
  /** The config's diff_id for this layer, if any, and its error label. */
  diff?: { digest: string; label: string };
  /** Bytes posted and not yet credited back before the worker stops. */
  window: number;
  /** gunzip output chunk size. */
  chunkSize: number;
  /** Compressed bytes per file read. */
  readSize: number;
}

/**
 * Worker → main. After `end`, `error` or `released` (the answer to `cancel` of a job still
 * running), the worker no longer touches the job's file descriptor.
 */
export type DecodeMessage =
  | { t: 'data'; id: number; buf: ArrayBuffer; len: number }
  | { t: 'end'; id: number }
  | { t: 'error'; id: number; error: SerializedError }
  | { t: 'released'; id: number };

/** Main → worker: start a job; `n` more bytes of a job were consumed; stop a job. */
export type ControlMessage =
  | { t: 'start'; id: number; job: DecodeJob }
  | { t: 'credit'; id: number; n: number }
  | { t: 'cancel'; id: number };

export interface SerializedError {
  hull: boolean;
  code: string | undefined;
  message: string;
  file?: string;
  section?: string;
}

const port = parentPort;
if (!port) throw new Error('decode-worker.js must run in a worker thread');

function serialize(err: unknown): SerializedError {
  const e = err as { name?: string; code?: unknown; message?: string; file?: string; section?: string };
  return {
    hull: e?.name === 'HullError',
    code: typeof e?.code === 'string' ? e.code : undefined,
    message: typeof e?.message === 'string' ? e.message : String(err),
    file: e?.file,
    section: e?.section,
  };
}

function hullError(code: string, message: string, file: string, section: string): SerializedError & { name: string } {
  return { name: 'HullError', hull: true, code, message, file, section };
}

// The same errors (code, message, file, section) as VerifyingStream in src/oci/digest.ts.
function sizeMismatch(label: string, expected: number, got: number, over: boolean) {
  return hullError(
    'SIZE_MISMATCH',
    `${label}: content is ${over ? 'longer than' : `${got} bytes, not`} the ${expected} bytes its descriptor states`,
    label,
    'image-spec/descriptor.md#properties',
  );
}

function digestMismatch(label: string, actual: string, expected: string) {
  return hullError(
    'DIGEST_MISMATCH',
    `${label}: content digest ${actual} does not match ${expected}`,
    label,
    'image-spec/descriptor.md#digests',
  );
}

type Verdict = ReturnType<typeof sizeMismatch> | null;

/** Both digests' algorithms were checked by the main thread (parseDigest) before starting. */
function hasher(digest: string): { algorithm: string; hash: Hash } {
  const algorithm = digest.slice(0, digest.indexOf(':'));
  return { algorithm, hash: createHash(algorithm) };
}

const jobs = new Map<number, LayerJob>();

class LayerJob {
  private done = false;
  private inflight = 0;
  /** Called when credits bring `inflight` back under the window. */
  private onCredit: (() => void) | undefined;
  private readonly blobHash: { algorithm: string; hash: Hash };
  private blobSize = 0;
  private blobVerdict: Verdict | undefined;
  private readonly diffHash: { algorithm: string; hash: Hash } | undefined;
  private filePos = 0;
  private fileDone = false;
  private decoder: Duplex | undefined;

  constructor(
    private readonly id: number,
    private readonly job: DecodeJob,
  ) {
    this.blobHash = hasher(job.blob.digest);
    this.diffHash = job.diff ? hasher(job.diff.digest) : undefined;
  }

  start(): void {
    try {
      if (this.job.compression === 'none') this.runPlain();
      else this.runCompressed().catch((err) => this.fail(err));
    } catch (err) {
      this.fail(err);
    }
  }

  credit(n: number): void {
    this.inflight -= n;
    if (this.inflight < this.job.window && this.onCredit) {
      const f = this.onCredit;
      this.onCredit = undefined;
      f();
    }
  }

  cancel(): void {
    if (this.done) return;
    this.close();
    port!.postMessage({ t: 'released', id: this.id } satisfies DecodeMessage);
  }

  private close(): void {
    this.done = true;
    jobs.delete(this.id);
    this.decoder?.destroy();
  }

  private fail(err: unknown): void {
    if (this.done) return;
    this.close();
    port!.postMessage({ t: 'error', id: this.id, error: serialize(err) } satisfies DecodeMessage);
  }

  private succeed(): void {
    if (this.done) return;
    this.close();
    port!.postMessage({ t: 'end', id: this.id } satisfies DecodeMessage);
  }

  /**
   * The next piece of the blob, undefined at its end; the caller passes it to hashBlob (after
   * handing it to the decompressor, so both run at once). Throws SIZE_MISMATCH as soon as the
   * blob runs long.
   */
  private readBlob(): Buffer | undefined {
    if (this.fileDone) return undefined;
    // A buffer of its own per read: it may be transferred (none) or queued inside zlib.
    const buf = Buffer.allocUnsafeSlow(this.job.readSize);
    const n = readSync(this.job.fd, buf, 0, buf.length, this.filePos);
    if (n === 0) {
      this.fileDone = true;
      return undefined;
    }
    this.filePos += n;
    this.blobSize += n;
    const { size, label } = this.job.blob;
    if (size >= 0 && this.blobSize > size) throw sizeMismatch(label, size, this.blobSize, true);
    return n === buf.length ? buf : buf.subarray(0, n);
  }

  private hashBlob(chunk: Buffer): void {
    this.blobHash.hash.update(chunk);
  }

  /** The blob's verdict once all of it was read: null when digest and size match. */
  private checkBlob(): Verdict {
    if (this.blobVerdict !== undefined) return this.blobVerdict;
    const { size, digest, label } = this.job.blob;
    if (size >= 0 && this.blobSize !== size)
      this.blobVerdict = sizeMismatch(label, size, this.blobSize, this.blobSize > size);
    else {
      const actual = `${this.blobHash.algorithm}:${this.blobHash.hash.digest('hex')}`;
      this.blobVerdict = actual === digest ? null : digestMismatch(label, actual, digest);
    }
    return this.blobVerdict;
  }

  private checkDiff(): Verdict {
    const { diff } = this.job;
    if (!diff || !this.diffHash) return null;
    const actual = `${this.diffHash.algorithm}:${this.diffHash.hash.digest('hex')}`;
    return actual === diff.digest ? null : digestMismatch(diff.label, actual, diff.digest);
  }

  /** Posts tar bytes, zero-copy when the chunk owns its whole ArrayBuffer (else copied into one that does). */
  private post(chunk: Buffer): void {
    let buf = chunk.buffer as ArrayBuffer;
    if (chunk.byteOffset !== 0 || chunk.byteLength !== buf.byteLength) {
      const copy = Buffer.allocUnsafeSlow(chunk.length);
      chunk.copy(copy);
      buf = copy.buffer as ArrayBuffer;
    }
    this.inflight += chunk.length;
    port!.postMessage({ t: 'data', id: this.id, buf, len: chunk.length } satisfies DecodeMessage, [buf]);
  }

  /** An uncompressed layer: the blob bytes are the tar (hashed once when both digests use one algorithm). */
  private runPlain(): void {
    try {
      this.plainStep();
    } catch (err) {
      this.fail(err);
    }
  }

  private plainStep(): void {
    const { diff } = this.job;
    const same = this.diffHash && diff && this.diffHash.algorithm === this.blobHash.algorithm;
    for (;;) {
      if (this.done) return;
      if (this.inflight >= this.job.window) {
        this.onCredit = () => this.runPlain();
        return;
      }
      const chunk = this.readBlob();
      if (!chunk) break;
      this.hashBlob(chunk);
      if (this.diffHash && !same) this.diffHash.hash.update(chunk);
      this.post(chunk);
    }
    // Same bytes, same algorithm: the diff_id matches exactly when it equals the (verified) blob digest.
    const err =
      this.checkBlob() ??
      (same
        ? diff.digest === this.job.blob.digest
          ? null
          : digestMismatch(diff.label, this.job.blob.digest, diff.digest)
        : this.checkDiff());
    if (err) this.fail(err);
    else this.succeed();
  }

  private async runCompressed(): Promise<void> {
    let decoder: Duplex;
    if (this.job.compression === 'gzip') decoder = createGunzip({ chunkSize: this.job.chunkSize });
    else {
      const { decompressStream } = await import('../compression.js');
      if (this.done) return;
      decoder = decompressStream('zstd');
    }
    this.decoder = decoder;
    // Output is hashed and posted in a microtask, not in the 'data' handler: zlib emits 'data'
    // before it hands the next piece to the thread pool, so this lets inflate and hashing overlap.
    const out: Buffer[] = [];
    const flush = (): void => {
      for (const chunk of out) {
        if (this.done) break;
        this.diffHash?.hash.update(chunk);
        this.post(chunk);
      }
      out.length = 0;
      if (this.inflight >= this.job.window && !this.done && !this.onCredit) {
        decoder.pause();
        this.onCredit = () => decoder.resume();
      }
    };
    decoder.on('data', (chunk: Buffer) => {
      if (this.done) return;
      if (out.push(chunk) === 1) queueMicrotask(flush);
    });
    decoder.on('end', () => {
      flush(); // 'end' comes in a nextTick, which runs before microtasks
      if (this.done) return;
      const err = this.checkBlob() ?? this.checkDiff();
      if (err) this.fail(err);
      else this.succeed();
    });
    decoder.on('error', (err) => {
      if (this.done) return;
      // A corrupt blob usually breaks the decompressor before its end is read: hash the rest, so
      // the error names the digest mismatch rather than the decompressor's symptom of it.
      try {
        for (let chunk = this.readBlob(); chunk; chunk = this.readBlob()) this.hashBlob(chunk);
        this.fail(this.checkBlob() ?? err);
      } catch (e) {
        this.fail(e);
      }
    });
    const pump = (): void => {
      try {
        for (;;) {
          if (this.done) return;
          if (decoder.writableNeedDrain) {
            decoder.once('drain', pump);
            return;
          }
          const chunk = this.readBlob();
          if (!chunk) break;
          decoder.write(chunk);
          this.hashBlob(chunk);
        }
      } catch (err) {
        this.fail(err);
        return;
      }
      // All read: a blob that fails its digest never gets to end the tar stream.
      const blobErr = this.checkBlob();
      if (blobErr) this.fail(blobErr);
      else decoder.end();
    };
    pump();
  }
}

port.on('message', (m: ControlMessage) => {
  switch (m.t) {
    case 'start': {
      const job = new LayerJob(m.id, m.job);
      jobs.set(m.id, job);
      job.start();
      break;
    }
    case 'credit':
      jobs.get(m.id)?.credit(m.n);
      break;
    case 'cancel':
      jobs.get(m.id)?.cancel();
      break;
  }
});
