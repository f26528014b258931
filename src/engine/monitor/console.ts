/**
 * Console sockets (runc's --console-socket protocol, docs/engine.md#the-monitor) for the
 * runtime to send a pty master to.
 *
 * - `consoleSocketFor(dir)`: the monitor listens on DIR/console.sock; a runtime connects by
 *   path, and sun_path holds 107 bytes, which containers/<64-hex id>/console.sock under a long
 *   --root exceeds. A longer path is reached through a symlink in /run/hull/console (connect(2)
 *   follows symlinks), removed once the runtime's create is done.
 * - `startConsoleRelay()`: `hull exec -t`. Node cannot receive a file descriptor over a unix
 *   socket, so the pty master goes to `hull-monitor --console-relay` (native/hull-monitor/relay.c)
 *   running on this process's terminal; it copies the pty to stdout and stdin to it.
 */
import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { HullError } from '../../errors.js';
import { consoleSocketPath, monitorBin } from './spawn.js';

const CONSOLE_DIR = '/run/hull/console';
/** sizeof(sockaddr_un.sun_path) less the terminating NUL. */
const SUN_PATH_MAX = 107;

function consoleDir(): string {
  mkdirSync(CONSOLE_DIR, { recursive: true, mode: 0o700 });
  return CONSOLE_DIR;
}

export interface ConsoleSocket {
  /** What to give the runtime as --console-socket. */
  path: string;
  /** Removes the short link, if one was made. */
  release(): void;
}

export function consoleSocketFor(containerDir: string): ConsoleSocket {
  const real = consoleSocketPath(containerDir);
  if (Buffer.byteLength(real) <= SUN_PATH_MAX) return { path: real, release() {} };
  const link = join(
    consoleDir(),
    `${createHash('sha256').update(resolve(containerDir)).digest('hex').slice(0, 32)}.sock`,
  );
  rmSync(link, { force: true });
  symlinkSync(real, link);
  return { path: link, release: () => rmSync(link, { force: true }) };
}

export interface ConsoleRelay {
  /** The socket the runtime's exec sends the pty master to. */
  path: string;
  /** The exec'd process has exited: let the relay drain the pty, restore the terminal and end. */
  finish(): Promise<void>;
  /** The exec failed: end the relay at once. */
  abort(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', () => r()));
}

/** Starts the relay on this process's stdio; resolves once it listens. */
export async function startConsoleRelay(interactive: boolean): Promise<ConsoleRelay> {
  const path = join(consoleDir(), `exec-${randomBytes(12).toString('hex')}.sock`);
  const { spawn } = await import('node:child_process');
  const child = spawn(monitorBin(), ['--console-relay', path, ...(interactive ? ['--stdin'] : [])], {
    stdio: ['inherit', 'inherit', 'inherit', 'pipe'],
  });
  const gone = exited(child);
  await new Promise<void>((ok, fail) => {
    const ready = child.stdio[3] as Readable;
    let text = '';
    ready.setEncoding('utf8');
    ready.on('data', (d: string) => {
      text += d;
      if (text.includes('ready\n')) ok();
    });
    child.once('error', fail);
    child.once('exit', (code) =>
      fail(new HullError('EXEC_FAILED', `exec: the terminal relay (hull-monitor) exited with status ${code}`)),
    );
  });
  (child.stdio[3] as Readable).destroy();
  const stop = async () => {
    child.kill('SIGTERM');
    await gone;
    rmSync(path, { force: true });
  };
  return { path, finish: stop, abort: stop };
}
