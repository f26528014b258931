/**
 * Layer compression per image-spec/layer.md (`+gzip`, `+zstd` media types) and
 * image-spec/media-types.md. gzip runs in node:zlib (libuv's thread pool); zstd runs in the
 * system `zstd` binary as a child process — the way containerd shells out to unpigz — so
 * (de)compression gets a core of its own while this process walks, reads and hashes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { Duplex, PassThrough, Transform, type TransformCallback } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';
import { HullError, isErrno } from '../errors.js';
import type { Compression } from '../oci/media-types.js';

const SECTION = 'image-spec/layer.md';
/** Bytes handed to/taken from the zstd child per step: large enough to keep it busy. */
const CHILD_HWM = 1 << 20;

/** The zstd binary: `HULL_ZSTD` overrides the PATH lookup (tests point it at a missing file). */
function zstdBinary(): string {
  return process.env.HULL_ZSTD || 'zstd';
}

/**
 * A stream that compresses with `kind`. gzip levels are 1..9 (default 6, zlib's); zstd levels
 * 1..22 (default 3, zstd's). The gzip header's mtime is 0 and zstd output does not depend on the
 * thread count (`-T0` always uses the multi-threaded format), so output is reproducible.
 */
export function compressStream(kind: Compression, level?: number): Duplex {
  switch (kind) {
    case 'none':
      return new PassThrough();
    case 'gzip':
      return createGzip(level === undefined ? {} : { level });
    case 'zstd': {
      const lvl = level ?? 3;
      if (!Number.isInteger(lvl) || lvl < 1 || lvl > 22)
        throw new HullError('COMPRESSION_LEVEL', `zstd level must be an integer 1..22, not ${lvl}`);
      const args = ['-c', '-q', '-T0', `-${lvl}`];
      if (lvl > 19) args.unshift('--ultra');
      return new ChildProcessDuplex(zstdBinary(), args, 'zstd compression');
    }
  }
}

/** A stream that decompresses `kind`; gzip accepts multi-member streams (RFC 1952 §2.2). */
export function decompressStream(kind: Compression): Duplex {
  switch (kind) {
    case 'none':
      return new PassThrough();
    case 'gzip':
      return createGunzip();
    case 'zstd':
      return new ChildProcessDuplex(zstdBinary(), ['-d', '-c', '-q'], 'zstd decompression');
  }
}

const GZIP_MAGIC = [0x1f, 0x8b];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];

function startsWith(buf: Buffer, magic: number[]): boolean {
  return buf.length >= magic.length && magic.every((b, i) => buf[i] === b);
}

/** The compression the first bytes of a blob show: gzip (1f 8b), zstd (28 b5 2f fd), else none. */
export function sniffCompression(firstBytes: Buffer): Compression {
  if (startsWith(firstBytes, GZIP_MAGIC)) return 'gzip';
  if (startsWith(firstBytes, ZSTD_MAGIC)) return 'zstd';
  return 'none';
}

/**
 * A decompressor that picks gzip, zstd or none from the first bytes — for layers whose media
 * type lies (Docker's `tar.gzip` type carrying an uncompressed tar is common in the wild).
 */
export function decompressAuto(): Duplex {
  return new SniffingDuplex();
}

/** Fails with LAYER_TOO_LARGE as soon as more than `maxBytes` pass (against decompression bombs). */
export function limitStream(maxBytes: number, label: string): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      seen += chunk.length;
      if (seen > maxBytes) {
        cb(
          new HullError('LAYER_TOO_LARGE', `${label}: more than ${maxBytes} bytes after decompression`, {
            file: label,
            section: SECTION,
          }),
        );
        return;
      }
      cb(null, chunk);
    },
  });
}

/**
 * Wraps a filter process (stdin → stdout) as one Duplex. End of stream is only signalled after
 * the process exited 0, so a failing zstd is never mistaken for short-but-good output; a
 * non-zero exit becomes a stream error carrying zstd's stderr. Destroying the stream early kills
 * the child.
 */
class ChildProcessDuplex extends Duplex {
  private readonly child: ChildProcess;
  private stderr = '';
  private exited = false;
  private stdinBroken = false;

  constructor(bin: string, args: string[], what: string) {
    super({ readableHighWaterMark: CHILD_HWM, writableHighWaterMark: CHILD_HWM });
    const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    const stdin = child.stdin!;
    const stdout = child.stdout!;
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (s: string) => {
      if (this.stderr.length < 4096) this.stderr += s;
    });
    child.on('error', (err) => {
      this.exited = true;
      if (isErrno(err, 'ENOENT'))
        this.destroy(
          new HullError(
            'ZSTD_MISSING',
            `${what} needs the zstd program, which was not found (${bin}): install Debian's zstd package (apt-get install zstd)`,
            { cause: err },
          ),
        );
      else this.destroy(new HullError('ZSTD_FAILED', `${what}: cannot run ${bin}: ${err.message}`, { cause: err }));
    });
    // EPIPE here means the child quit early; its exit status (below) says why.
    stdin.on('error', (err) => {
      if (isErrno(err, 'EPIPE')) this.stdinBroken = true;
      else this.destroy(err);
    });
    stdout.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) stdout.pause();
    });
    child.on('close', (code, signal) => {
      this.exited = true;
      if (this.destroyed) return;
      if (code === 0 && !this.stdinBroken) {
        this.push(null);
        return;
      }
      const why =
        code === 0
          ? 'exited before reading all its input'
          : signal
            ? `was killed by ${signal}`
            : `exited with status ${code}`;
      const detail = this.stderr.trim().replace(/\s+/g, ' ');
      this.destroy(
        new HullError('ZSTD_FAILED', `${what} failed: zstd ${why}${detail ? `: ${detail}` : ''}`, { section: SECTION }),
      );
    });
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.stdinBroken) {
      cb(); // the close handler reports the failure
      return;
    }
    if (this.child.stdin!.write(chunk)) cb();
    else this.child.stdin!.once('drain', () => cb());
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.child.stdin!.end();
    cb();
  }

  override _read(): void {
    this.child.stdout!.resume();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!this.exited) this.child.kill('SIGKILL');
    this.child.stdin!.destroy();
    this.child.stdout!.destroy();
    this.child.stderr!.destroy();
    cb(err);
  }
}

/** Buffers the first 4 bytes, sniffs, then forwards everything through the right decompressor. */
class SniffingDuplex extends Duplex {
  private head: Buffer[] = [];
  private headLen = 0;
  private inner: Duplex | undefined;

  constructor() {
    super({ readableHighWaterMark: CHILD_HWM });
  }

  private start(): Duplex {
    const first = Buffer.concat(this.head);
    const inner = decompressStream(sniffCompression(first));
    this.inner = inner;
    this.head = [];
    inner.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) inner.pause();
    });
    inner.on('end', () => this.push(null));
    inner.on('error', (err) => this.destroy(err));
    if (first.length) inner.write(first);
    return inner;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    let inner = this.inner;
    if (!inner) {
      this.head.push(chunk);
      this.headLen += chunk.length;
      if (this.headLen < ZSTD_MAGIC.length) {
        cb();
        return;
      }
      inner = this.start();
      if (inner.writableNeedDrain) inner.once('drain', () => cb());
      else cb();
      return;
    }
    if (inner.write(chunk)) cb();
    else inner.once('drain', () => cb());
  }

  override _final(cb: (err?: Error | null) => void): void {
    (this.inner ?? this.start()).end();
    cb();
  }

  override _read(): void {
    this.inner?.resume();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.inner?.destroy();
    cb(err);
  }
}
