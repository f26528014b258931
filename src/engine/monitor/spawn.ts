/**
 * Starting a container's monitor (native/hull-monitor, docs/engine.md#the-monitor). Two ways,
 * one per kind of runtime:
 *
 * - hull-runtime as a library: `monitorLauncher` is handed to the runtime's `create`, which
 *   spawns the monitor instead of hull-init; the monitor forks hull-init with the plan and sync
 *   pipes (fds 3+) passed through, so the library speaks to hull-init exactly as without it.
 * - any other runtime through its CLI: `spawnMonitorWithCommand` runs `runc create …` under
 *   the monitor and resolves once that command has exited (runc exits after create).
 *
 * Either way the monitor is detached (its own session), becomes the container's parent and
 * outlives this process.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { HullError } from '../../errors.js';
import type { Launcher } from '../../runtime/init-process.js';

export interface MonitorOptions {
  /** The container's run-time directory: the monitor writes exit, monitor.pid and makes attach, ctl here. */
  containerDir: string;
  /** Where ctr.log (and its rotations) go; default containerDir. */
  logDir?: string;
  /** docker's json-file (default) or the CRI's k8s-file. */
  logDriver?: 'json-file' | 'k8s-file';
  /** Rotate ctr.log before it would grow past this many bytes (docker's max-size); 0 or unset: never. */
  logMaxSize?: number;
  /** Files kept, ctr.log included (docker's max-file, default 1: truncate at the cap). */
  logMaxFiles?: number;
  /** Where the runtime writes the container init's pid; the monitor reads it. */
  pidFile: string;
  /** Run after the exit file is written (e.g. `hull container cleanup ID`). */
  exitCommand?: string[];
  /** process.terminal: the pty master arrives on <containerDir>/console.sock. */
  terminal?: boolean;
  /** Keep the container's stdin open for attach clients (docker's -i). */
  stdin?: boolean;
}

/** The console socket the runtime must be given (--console-socket) when `terminal` is set. */
export function consoleSocketPath(containerDir: string): string {
  return join(resolve(containerDir), 'console.sock');
}

export function monitorBin(): string {
  // dist/src/engine/monitor/spawn.js: the checkout's root is four directories up.
  const candidates = [
    process.env.HULL_MONITOR,
    join(new URL('../../../..', import.meta.url).pathname, 'native/hull-monitor/out/hull-monitor'),
  ];
  for (const c of candidates) if (c && existsSync(c)) return c;
  throw new HullError(
    'NO_MONITOR',
    "hull-monitor is not built (native/hull-monitor/out/hull-monitor); run 'npm run build:native'",
  );
}

function positive(v: number | undefined, what: string): string | undefined {
  if (v === undefined) return undefined;
  if (!Number.isSafeInteger(v) || v < 0) throw new HullError('INVALID', `${what}: ${v} is not a non-negative integer`);
  return String(v);
}

/** The monitor's options, up to (not including) `--` and the create command. */
export function monitorArgs(o: MonitorOptions): string[] {
  const args = ['--dir', resolve(o.containerDir), '--pid-file', resolve(o.pidFile)];
  if (o.logDir) args.push('--log-dir', resolve(o.logDir));
  if (o.logDriver) {
    if (o.logDriver !== 'json-file' && o.logDriver !== 'k8s-file')
      throw new HullError('INVALID', `log driver ${o.logDriver}: hull supports json-file and k8s-file`);
    args.push('--log-driver', o.logDriver);
  }
  const size = positive(o.logMaxSize, 'log max size');
  if (size) args.push('--log-max-size', size);
  const files = positive(o.logMaxFiles, 'log max files');
  if (files) args.push('--log-max-files', files);
  if (o.terminal) args.push('--terminal');
  if (o.stdin) args.push('--stdin');
  for (const a of o.exitCommand ?? []) args.push('--exit-arg', a);
  return args;
}

/** For the runtime library's create: hull-init is started by the monitor. */
export function monitorLauncher(o: MonitorOptions): Launcher {
  const bin = monitorBin();
  const args = monitorArgs(o);
  return { wrap: (init, initArgs) => ({ file: bin, args: [...args, '--', init, ...initArgs] }) };
}

function collect(stream: Readable): Promise<string> {
  return new Promise((resolveText) => {
    let text = '';
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => {
      text += d;
    });
    stream.on('error', () => resolveText(text));
    stream.on('end', () => resolveText(text));
  });
}

/**
 * Runs `argv` (a runtime's `create`) under a new monitor. Resolves when that command has exited:
 * `status` is its exit status (128+N for signal N), `stderr` what it printed. On success the
 * monitor stays as the container's parent; on failure it has exited, writing no exit file.
 */
export async function spawnMonitorWithCommand(
  o: MonitorOptions,
  argv: string[],
): Promise<{ monitorPid: number; status: number; stderr: string }> {
  if (!argv.length) throw new HullError('INVALID', 'spawnMonitorWithCommand: empty command');
  const { spawn } = await import('node:child_process');
  const child = spawn(monitorBin(), [...monitorArgs(o), '--', ...argv], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const spawned = new Promise<void>((ok, fail) => {
    child.once('spawn', ok);
    child.once('error', fail);
  });
  const exited = new Promise<number>((done) => {
    child.once('exit', (code, sig) => done(code ?? 128 + (sig === 'SIGKILL' ? 9 : 15)));
  });
  // The monitor prints the create command's status on stdout, then makes stdout and stderr
  // /dev/null (or exits): both streams end either way.
  const [out, stderr] = await Promise.all([
    collect(child.stdout as Readable),
    collect(child.stderr as Readable),
    spawned,
  ]);
  const line = out.split('\n')[0] ?? '';
  const status = /^\d+$/.test(line) ? Number(line) : await exited;
  child.unref();
  return { monitorPid: child.pid ?? 0, status, stderr };
}
