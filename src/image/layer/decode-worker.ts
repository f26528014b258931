/**
 * The layer decoder's worker thread (started by decode.ts, shared by the layers of an unpack,
 * each a job with its own id, decoded concurrently) for the layers the addon's native decoder
 * does not take (decode-native.ts): for each job, reads the blob from the file descriptor it
 * is given, hashes the compressed bytes against the layer digest and size, decompresses (gzip
 * with node:zlib or the igzip program: gunzip-tool.ts; zstd in the `zstd` child process),
 * hashes the tar bytes against the diff_id,
 * and posts the tar to the main thread as transferred ArrayBuffers (which the main thread may
 * hand back once consumed, to be decoded into again). It keeps at most `window` bytes posted but
 * not yet credited back by the main thread, so a slow consumer stops the whole chain (file reads
 * included).
 *
 * `end` is posted only after both digests (and the size) matched; any failure posts one `error`
 * and nothing after it. The main thread owns the file descriptor (it closes it once this thread
 * has exited), so the thread never closes it.
 *
 * Imports stay lean (node:crypto and node:fs; node:zlib, child_process and compression.ts are
 * loaded when a layer needs them): its start-up is on the critical path of the unpack.
 */
import type { ChildProcess } from 'node:child_process';
import { createHash, type Hash } from 'node:crypto';
import { readSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import { parentPort } from 'node:worker_threads';
import {
  blobVerdict,
  diffVerdict,
  hullError,
  igzipFailure,
  serialize,
  sizeMismatch,
  type Verdict,
} from './decode-errors.js';
import type { ControlMessage, DecodeJob, DecodeMessage } from './decode-protocol.js';

const port = parentPort;
if (!port) throw new Error('decode-worker.js must run in a worker thread');

/** Both digests' algorithms were checked by the main thread (parseDigest) before starting. */
function hasher(digest: string): { algorithm: string; hash: Hash } {
  const algorithm = digest.slice(0, digest.indexOf(':'));
  return { algorithm, hash: createHash(algorithm) };
}

const jobs = new Map<number, LayerJob>();

/**
 * Chunk buffers the main thread handed back once consumed (decode.ts recycle()): decoding into
 * them again spares a fresh 1 MiB allocation per chunk, whose page faults and unmapping cost
 * both threads CPU.
 */
const spare: ArrayBuffer[] = [];
const MAX_SPARE = 24;

/** A chunk buffer of `size` bytes that owns its whole ArrayBuffer (so it can be transferred). */
function chunkBuffer(size: number): Buffer {
  for (;;) {
    const ab = spare.pop();
    if (!ab) return Buffer.allocUnsafeSlow(size);
    if (ab.byteLength === size) return Buffer.from(ab);
  }
}

class LayerJob {
  private done = false;
  private inflight = 0;
  /** Called when credits bring `inflight` back under the window. */
  private onCredit: (() => void) | undefined;
  private readonly blobHash: { algorithm: string; hash: Hash };
  private blobSize = 0;
  private blobChecked: Verdict | undefined;
  private readonly diffHash: { algorithm: string; hash: Hash } | undefined;
  private filePos = 0;
  private fileDone = false;
  private decoder: Duplex | undefined;
  private child: ChildProcess | undefined;

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
      else if (this.job.compression === 'gzip' && this.job.gunzip?.via === 'igzip')
        this.runIgzip(this.job.gunzip.bin).catch((err) => this.fail(err));
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
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
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
  private readBlob(into?: Buffer): Buffer | undefined {
    if (this.fileDone) return undefined;
    // A buffer of its own per read (unless the caller only hashes it): it may be transferred
    // (none) or queued inside zlib.
    const buf = into ?? Buffer.allocUnsafeSlow(this.job.readSize);
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
    if (this.blobChecked === undefined)
      this.blobChecked = blobVerdict(
        this.job.blob,
        this.blobSize,
        `${this.blobHash.algorithm}:${this.blobHash.hash.digest('hex')}`,
      );
    return this.blobChecked;
  }

  private checkDiff(): Verdict {
    const { diff } = this.job;
    if (!diff || !this.diffHash) return null;
    return diffVerdict(diff, `${this.diffHash.algorithm}:${this.diffHash.hash.digest('hex')}`);
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

  /** Transfers the first `len` bytes of a buffer that owns its whole ArrayBuffer. */
  private postOwned(buf: Buffer, len: number): void {
    const ab = buf.buffer as ArrayBuffer;
    this.inflight += len;
    port!.postMessage({ t: 'data', id: this.id, buf: ab, len } satisfies DecodeMessage, [ab]);
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
    const err = this.checkBlob() ?? (same ? diffVerdict(diff, this.job.blob.digest) : this.checkDiff());
    if (err) this.fail(err);
    else this.succeed();
  }

  /**
   * gzip through igzip (gunzip-tool.ts). The child reads the blob straight from the file
   * descriptor (its stdin, at offset 0: this thread only ever preads), while this thread hashes
   * the same blob in readSize steps between igzip's output; the 64 KiB pipe reads are gathered
   * into chunkSize buffers, hashed against the diff_id and transferred. Pausing stdout at the
   * window blocks igzip on a full pipe, so a decompression bomb stays bounded as with zlib.
   * `end` only once igzip exited 0, the blob matched its digest and size, and the tar its
   * diff_id; a blob that fails its digest is reported as such even when igzip failed first
   * (the corruption is the cause, igzip's error its symptom), as on the zlib path.
   */
  private async runIgzip(bin: string): Promise<void> {
    const { spawn } = await import('node:child_process');
    if (this.done) return;
    const child = spawn(bin, ['-d', '-c'], { stdio: [this.job.fd, 'pipe', 'pipe'] });
    this.child = child;
    const size = this.job.chunkSize;
    let stderr = '';
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let spawnError: Error | undefined;
    let blobDone = false;
    let acc: Buffer | undefined;
    let accLen = 0;
    const emit = (): void => {
      const buf = acc;
      const len = accLen;
      acc = undefined;
      accLen = 0;
      if (!buf || len === 0) return;
      this.diffHash?.hash.update(len === buf.length ? buf : buf.subarray(0, len));
      this.postOwned(buf, len);
    };
    const settle = (): void => {
      if (this.done || !blobDone || (!exit && !spawnError)) return;
      const blobErr = this.checkBlob();
      if (blobErr) this.fail(blobErr);
      else if (spawnError)
        this.fail(
          hullError(
            'IGZIP_FAILED',
            `cannot run ${bin} to inflate ${this.job.blob.label}: ${spawnError.message} (HULL_GZIP=zlib inflates with node:zlib instead)`,
            this.job.blob.label,
            'image-spec/layer.md#gzip-media-types',
          ),
        );
      else if (exit && exit.code !== 0) this.fail(igzipFailure(exit.code, exit.signal, stderr));
      else {
        emit();
        const diffErr = this.checkDiff();
        if (diffErr) this.fail(diffErr);
        else this.succeed();
      }
    };
    const stdout = child.stdout!;
    stdout.on('data', (chunk: Buffer) => {
      if (this.done) return;
      for (let off = 0; off < chunk.length; ) {
        if (!acc) acc = chunkBuffer(size);
        const n = chunk.copy(acc, accLen, off);
        accLen += n;
        off += n;
        if (accLen === size) emit();
      }
      if (this.inflight >= this.job.window && !this.onCredit) {
        stdout.pause();
        this.onCredit = () => stdout.resume();
      }
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (s: string) => {
      if (stderr.length < 4096) stderr += s;
    });
    child.on('error', (err) => {
      spawnError = err;
      settle();
    });
    child.on('close', (code, signal) => {
      exit = { code, signal };
      settle();
    });
    // The blob's digest and size, a few MiB per turn of the event loop so igzip's output keeps flowing.
    const scratch = Buffer.allocUnsafeSlow(this.job.readSize);
    const hashSome = (): void => {
      if (this.done) return;
      try {
        for (let i = 0; i < 4; i++) {
          const chunk = this.readBlob(scratch);
          if (!chunk) {
            blobDone = true;
            // A mismatch stops igzip at once; a match waits for it to finish.
            const err = this.checkBlob();
            if (err) this.fail(err);
            else settle();
            return;
          }
          this.hashBlob(chunk);
        }
      } catch (err) {
        this.fail(err);
        return;
      }
      setImmediate(hashSome);
    };
    setImmediate(hashSome);
  }

  private async runCompressed(): Promise<void> {
    let decoder: Duplex;
    if (this.job.compression === 'gzip') {
      const { createGunzip } = await import('node:zlib');
      if (this.done) return;
      decoder = createGunzip({ chunkSize: this.job.chunkSize });
    } else {
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
      if (m.buffers) for (const ab of m.buffers) if (spare.length < MAX_SPARE) spare.push(ab);
      jobs.get(m.id)?.credit(m.n);
      break;
    case 'cancel':
      jobs.get(m.id)?.cancel();
      break;
  }
});
