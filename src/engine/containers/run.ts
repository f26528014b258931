/**
 * `hull run`: create, then (in the foreground) attach to the monitor before starting so no
 * output is missed, start, and end with the container's exit code; `-d` prints the id and
 * leaves the container to its monitor.
 */
import { HullError } from '../../errors.js';
import { trace } from '../../util/trace.js';
import type { Engine } from '../engine.js';
import { attach, readExit, resize } from '../monitor/index.js';
import { cleanupAfterExit } from './cleanup.js';
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
    let code: number | undefined;
    let released = false;
    // A container that exits at once can do so while start still holds its lock (runc start
    // returns after the process ran): the release waits for start to finish, or a second flock
    // of the lock in this process would wait for ever.
    let startFailed = false;
    let startSettled!: () => void;
    const startDone = new Promise<void>((r) => {
      startSettled = r;
    });
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
      // The handover: the monitor leaves the exited container to us rather than start its exit
      // command (`hull container cleanup`, another Node process) to find nothing left to do.
      release: async (exitCode) => {
        code = exitCode;
        trace('exited');
        await startDone;
        if (startFailed) return; // start's own failure path removes it
        if (req.autoRemove) await removeContainer(engine, created.id, true);
        else await cleanupAfterExit(engine, created.id);
        released = true;
      },
    });
    await Promise.race([ready, attached]);
    trace('attached');
    try {
      await startContainer(engine, created.id);
    } catch (err) {
      startFailed = true;
      startSettled();
      await removeContainer(engine, created.id, true).catch(() => {});
      throw err;
    }
    startSettled();
    trace('started');
    if (tty) onResize();
    await attached;
    // Without a handover (the monitor died, or the release failed and the monitor's exit
    // command has it now): the exit file, or the wait's verdict.
    code ??= readExit(created.dir)?.code;
    if (code === undefined) code = await waitContainer(engine, created.id).catch(() => -1);
    if (req.autoRemove && !released) await removeContainer(engine, created.id, true).catch(() => {});
    trace('removed');
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
