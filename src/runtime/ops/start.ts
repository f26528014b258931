/**
 * runtime.md#start: run the user program of a created container. The state JSON is written into
 * the exec fifo (hull-init's startContainer hooks read it, runtime.md#lifecycle step 7); the fifo
 * is then removed, which is what makes the status `running`. poststart hooks run once the
 * program has been exec'd (step 9); a failure there stops the container with an error.
 */
import { closeSync, constants, openSync, readFileSync, readlinkSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { HullError, isErrno } from '../../errors.js';
import { runHooks } from '../hooks.js';
import { guard } from '../lifecycle.js';
import { isOurProcess, liveStatus, publicState } from '../state/status.js';
import { containerDir, lockContainer, readState, writeState } from '../state/store.js';

/**
 * hull-init runs from a sealed memfd; once /proc/PID/exe names something else, execve happened.
 * A process that is already gone either ran (and exited quickly) or failed before exec, in
 * which case hull-init left its reason in init.error (native/hull-init/util.c).
 */
async function waitForExec(dir: string, pid: number, startTime: string): Promise<void> {
  const failed = () => {
    try {
      return readFileSync(join(dir, 'init.error'), 'utf8').trim();
    } catch {
      return undefined;
    }
  };
  for (let i = 0; i < 10_000; i++) {
    let exe: string | undefined;
    try {
      exe = isOurProcess(pid, startTime) ? readlinkSync(`/proc/${pid}/exe`) : undefined;
    } catch {}
    if (exe && !exe.startsWith('/memfd:hull-init')) return;
    if (!exe) {
      const why = failed();
      if (why) throw new HullError('START_FAILED', why, { section: 'runtime-spec/runtime.md#lifecycle' });
      return;
    }
    await new Promise((r) => setTimeout(r, 1));
  }
}

export async function start(root: string, id: string): Promise<void> {
  const unlock = await lockContainer(root, id);
  try {
    const dir = containerDir(root, id);
    const s = readState(root, id);
    guard('start', id, liveStatus(dir, s));
    const fifo = join(dir, 'exec.fifo');
    let fd: number;
    try {
      // Non-blocking: ENXIO means no reader, i.e. hull-init is gone.
      fd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch (err) {
      if (isErrno(err, 'ENXIO'))
        throw new HullError('BAD_STATE', `container ${id} is not waiting to start (its init is gone)`);
      throw err;
    }
    try {
      writeSync(fd, JSON.stringify(publicState(s, 'created')));
    } finally {
      closeSync(fd);
    }
    unlinkSync(fifo);
    s.status = 'running';
    writeState(dir, s);
    if (s.hooks.poststart?.length || s.hooks.startContainer?.length) {
      await waitForExec(dir, s.pid, s.startTime);
      try {
        await runHooks('poststart', s.hooks.poststart, publicState(s, 'running'));
      } catch (err) {
        // runtime.md#lifecycle step 9: generate an error and stop the container.
        try {
          process.kill(s.pid, 'SIGKILL');
        } catch {}
        throw err;
      }
    }
  } finally {
    unlock();
  }
}
