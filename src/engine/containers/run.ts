/**
 * `hull run`: create, then (in the foreground) attach to the monitor before starting so no
 * output is missed, start, and end with the container's exit code; `-d` prints the id and
 * leaves the container to its monitor.
 */
import { HullError } from '../../errors.js';
import type { Engine } from '../engine.js';
import { attach, readExit, resize } from '../monitor/index.js';
import { type CreateRequest, createContainer } from './create.js';
import { removeContainer, startContainer, waitContainer } from './lifecycle.js';

export interface RunRequest extends CreateRequest {
  detach: boolean;
}

export interface RunResult {
  id: string;
  name: string;
  /** The container's exit code (foreground runs). */
  exitCode?: number;
}

export async function runContainer(engine: Engine, req: RunRequest): Promise<RunResult> {
  const created = await createContainer(engine, req);
  if (req.detach) {
    try {
      await startContainer(engine, created.id);
    } catch (err) {
      await removeContainer(engine, created.id, true).catch(() => {});
      throw err;
    }
    return { id: created.id, name: created.name };
  }
  const tty = req.config.tty;
  const stdin = req.config.interactive ? process.stdin : undefined;
  const raw = tty && stdin && process.stdin.isTTY;
  if (raw) process.stdin.setRawMode(true);
  const onResize = () => {
    if (process.stdout.rows && process.stdout.columns) resize(created.dir, process.stdout.rows, process.stdout.columns);
  };
  if (tty && process.stdout.isTTY) process.stdout.on('resize', onResize);
  try {
    // Start only once the monitor has the attach client: output before that goes only to the log.
    let connected!: () => void;
    const ready = new Promise<void>((r) => {
      connected = r;
    });
    const attached = attach(created.dir, {
      stdin,
      stdout: process.stdout,
      stderr: process.stderr,
      tty,
      onAttached: () => connected(),
    });
    await Promise.race([ready, attached]);
    try {
      await startContainer(engine, created.id);
    } catch (err) {
      await removeContainer(engine, created.id, true).catch(() => {});
      throw err;
    }
    if (tty) onResize();
    const fromAttach = (await attached) as unknown;
    let code = typeof fromAttach === 'number' ? fromAttach : readExit(created.dir)?.code;
    if (code === undefined) code = await waitContainer(engine, created.id).catch(() => -1);
    if (req.autoRemove) await removeContainer(engine, created.id, true).catch(() => {});
    return { id: created.id, name: created.name, exitCode: code };
  } finally {
    if (raw) process.stdin.setRawMode(false);
    if (tty) process.stdout.off('resize', onResize);
    stdin?.pause();
  }
}

/** docker's exit codes for `run` failures that are not the container's own. */
export function runFailureCode(err: unknown): number {
  if (err instanceof HullError && /\bexec: /.test(err.message)) {
    if (/permission denied/i.test(err.message)) return 126;
    if (/executable file not found|no such file or directory/i.test(err.message)) return 127;
  }
  return 125;
}
