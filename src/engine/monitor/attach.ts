/**
 * The client side of the monitor's attach socket and ctl fifo (native/hull-monitor/attach.c).
 * Frames in both directions: 1 byte type, 4 bytes big-endian length, the bytes. The monitor
 * sends 1 (stdout) and 2 (stderr); a client sends 0 (stdin bytes) and 3 (close stdin).
 * The handover: a client that releases the container itself after it exits (`release`) sends
 * 4 (owner); at the exit it gets 5 (the exit file's line) instead of EOF, and once it has
 * released the container it sends 6 (done), so the monitor does not start its exit command
 * (`hull container cleanup`, a second Node process) for nothing.
 */
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { HullError, isErrno } from '../../errors.js';
import { monitorAlive, readExit } from './exit.js';

const FRAME_STDOUT = 1;
const FRAME_STDERR = 2;
const FRAME_STDIN = 0;
const FRAME_STDIN_CLOSE = 3;
const FRAME_OWNER = 4;
const FRAME_EXIT = 5;
const FRAME_DONE = 6;
const HDR = 5;
/** sun_path is 108 bytes; a longer path is reached through /proc/self/fd/N of the directory. */
const SUN_PATH_MAX = 107;

export interface AttachIO {
  stdin?: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** A terminal: everything is written to stdout (a pty has one output stream). */
  tty?: boolean;
  /** Called once connected: output from then on reaches this client (start the container now). */
  onAttached?: () => void;
  /** Close the container's stdin when `stdin` ends (docker's StdinOnce); default true. */
  closeStdin?: boolean;
  /**
   * This client releases the container after it exits (the foreground `run`): called with the
   * exit code once the monitor has written the exit file; attach resolves after it settles.
   * When it resolves the monitor skips its exit command; when it throws (or this process dies
   * first) the monitor runs it, so the container is released either way.
   */
  release?: (exitCode: number) => Promise<void>;
}

function frame(type: number, data?: Buffer): Buffer {
  const len = data?.length ?? 0;
  const b = Buffer.allocUnsafe(HDR + len);
  b[0] = type;
  b.writeUInt32BE(len, 1);
  if (data) data.copy(b, HDR);
  return b;
}

function connectTo(containerDir: string): Promise<Socket> {
  let path = join(resolve(containerDir), 'attach');
  let dirFd: number | undefined;
  if (Buffer.byteLength(path) > SUN_PATH_MAX) {
    dirFd = openSync(containerDir, constants.O_RDONLY | constants.O_DIRECTORY);
    path = `/proc/self/fd/${dirFd}/attach`;
  }
  return new Promise((ok, fail) => {
    const s = connect(path);
    const done = () => {
      if (dirFd !== undefined) closeSync(dirFd);
      dirFd = undefined;
    };
    s.once('connect', () => {
      done();
      ok(s);
    });
    s.once('error', (err) => {
      done();
      fail(err);
    });
  });
}

/**
 * Streams the container's live output to `io` and `io.stdin` to the container until the
 * container exits (the monitor then closes the connection). Output produced before the
 * connection is only in the log. A container that already exited has nothing to attach to:
 * resolves at once.
 */
export async function attach(containerDir: string, io: AttachIO): Promise<void> {
  let sock: Socket;
  try {
    sock = await connectTo(containerDir);
  } catch (err) {
    if (readExit(containerDir)) return;
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ECONNREFUSED') || !monitorAlive(containerDir)) {
      throw new HullError('NOT_RUNNING', `cannot attach: the container's monitor is not running (${containerDir})`);
    }
    throw err;
  }
  if (io.release) sock.write(frame(FRAME_OWNER));
  io.onAttached?.();

  const stdin = io.stdin;
  // Input that arrives once the container is gone (after the release ended our side) has
  // nowhere to go: dropped, not written after end (which fails the attach).
  const open = () => !sock.writableEnded && !sock.destroyed;
  const onData = (d: Buffer | string) => {
    if (!open()) return;
    const b = typeof d === 'string' ? Buffer.from(d) : d;
    // Frames of at most 32 KiB: the monitor's stdin buffer.
    for (let i = 0; i < b.length; i += 32768) sock.write(frame(FRAME_STDIN, b.subarray(i, i + 32768)));
  };
  const onEnd = () => {
    if (io.closeStdin !== false && open()) sock.write(frame(FRAME_STDIN_CLOSE));
  };
  if (stdin) {
    stdin.on('data', onData);
    stdin.once('end', onEnd);
  }

  let releasing: Promise<void> | undefined;
  const release = (line: string) => {
    const m = /^(-?\d+) /.exec(line);
    releasing = Promise.resolve()
      .then(() => io.release?.(m ? Number(m[1]) : -1))
      .then(
        () => {
          sock.end(frame(FRAME_DONE));
        },
        () => {
          sock.destroy();
        },
      );
  };
  await new Promise<void>((resolveAttach, fail) => {
    // After a handover, only once the release has settled.
    const done = () => {
      if (releasing) releasing.then(() => resolveAttach());
      else resolveAttach();
    };
    let buf: Buffer = Buffer.alloc(0);
    sock.on('data', (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      while (buf.length >= HDR) {
        const len = buf.readUInt32BE(1);
        if (buf.length < HDR + len) break;
        const type = buf[0];
        const data = buf.subarray(HDR, HDR + len);
        buf = buf.subarray(HDR + len);
        if (type === FRAME_EXIT && !releasing) {
          release(data.toString());
          continue;
        }
        const out = type === FRAME_STDERR && !io.tty ? io.stderr : type === FRAME_STDOUT || io.tty ? io.stdout : null;
        if (out && !out.write(data)) {
          // Back-pressure: the monitor waits (bounded) for us; we wait for our reader.
          sock.pause();
          out.once('drain', () => sock.resume());
        }
      }
    });
    sock.once('error', (err) => {
      // The monitor closing a connection with unread input resets it; that is still the end.
      if (isErrno(err, 'ECONNRESET') || isErrno(err, 'EPIPE')) done();
      else fail(err);
    });
    sock.once('close', () => done());
  }).finally(() => {
    if (stdin) {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      // A flowing process.stdin would keep the process alive after the container is gone.
      (stdin as NodeJS.ReadableStream & { pause?: () => void }).pause?.();
    }
    sock.destroy();
  });
}

/**
 * Sets the container's terminal size (TIOCSWINSZ on the pty master; the kernel sends SIGWINCH
 * to the container's foreground process group). Without a live monitor this does nothing.
 */
export function resize(containerDir: string, rows: number, cols: number): void {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0 || rows > 65535 || cols > 65535)
    throw new HullError('INVALID', `terminal size ${rows}x${cols} is out of range`);
  let fd: number;
  try {
    // Non-blocking: ENXIO when no monitor holds the fifo open.
    fd = openSync(join(containerDir, 'ctl'), constants.O_WRONLY | constants.O_NONBLOCK);
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENXIO')) return;
    throw err;
  }
  try {
    writeSync(fd, `resize ${rows} ${cols}\n`);
  } catch (err) {
    if (!isErrno(err, 'EAGAIN')) throw err;
  } finally {
    closeSync(fd);
  }
}
