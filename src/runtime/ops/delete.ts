/**
 * runtime.md#delete: undo create (runtime.md#lifecycle step 12: processes, cgroups, state) and
 * then run poststop hooks (step 13, failures only warnings). Only stopped containers, unless
 * --force, which kills the container first (runc's delete --force).
 */

import { HullError } from '../../errors.js';
import type { Logger } from '../cli/log.js';
import { runHooks } from '../hooks.js';
import { guard } from '../lifecycle.js';
import { isOurProcess, liveStatus, publicState } from '../state/status.js';
import { containerDir, lockContainer, readState, removeContainerDir } from '../state/store.js';

async function waitGone(pid: number, startTime: string, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (isOurProcess(pid, startTime)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 2));
  }
  return true;
}

export async function del(root: string, id: string, force: boolean, log: Logger): Promise<void> {
  let unlock: () => void;
  try {
    unlock = await lockContainer(root, id);
  } catch (err) {
    // runc: `delete --force` of a container that does not exist succeeds (podman relies on it
    // when it cleans up after a failed create).
    if (force && err instanceof HullError && err.code === 'NOT_FOUND') return;
    throw err;
  }
  try {
    let s: ReturnType<typeof readState>;
    try {
      s = readState(root, id);
    } catch (err) {
      // A create killed before its first state write left only the directory.
      if (!force || !(err instanceof HullError) || err.code !== 'NOT_FOUND') throw err;
      removeContainerDir(root, id);
      return;
    }
    const status = liveStatus(containerDir(root, id), s);
    if (!force && s.status === 'creating')
      throw new HullError('BAD_STATE', `container ${id} is being created (delete --force cleans up a failed create)`, {
        section: 'runtime-spec/runtime.md#delete',
      });
    if (!force) guard('delete', id, status);
    const { createCgroupManager } = await import('../cgroups/index.js');
    const cg = createCgroupManager({
      id,
      cgroupsPath: s.cgroup.cgroupsPath,
      created: s.cgroup.created,
      warn: (m) => log.warn(m),
    });
    if (status !== 'stopped') {
      try {
        process.kill(s.pid, 'SIGKILL');
      } catch {}
    }
    // Anything left in the cgroup (no pid namespace, or daemons) goes too.
    try {
      if (cg.pids().length) cg.killAll('SIGKILL');
    } catch (err) {
      log.warn(`delete ${id}: ${(err as Error).message}`);
    }
    // A paused container's processes only die once thawed (killAll leaves a frozen cgroup frozen).
    if (status === 'paused') {
      try {
        cg.thaw();
      } catch (err) {
        log.warn(`delete ${id}: ${(err as Error).message}`);
      }
    }
    await waitGone(s.pid, s.startTime, 5000);
    try {
      cg.destroy();
    } catch (err) {
      log.warn(`delete ${id}: ${(err as Error).message}`);
    }
    removeContainerDir(root, id);
    try {
      await runHooks('poststop', s.hooks.poststop, publicState(s, 'stopped'));
    } catch (err) {
      log.warn((err as Error).message);
    }
  } finally {
    unlock();
  }
}
