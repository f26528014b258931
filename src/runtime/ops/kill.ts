/**
 * runtime.md#kill: signal the container's process (or, with --all, every process in its cgroup,
 * as runc does). Only created or running containers (lifecycle.ts).
 */
import { HullError } from '../../errors.js';
import { guard } from '../lifecycle.js';
import { parseSignal } from '../signals.js';
import { liveStatus } from '../state/status.js';
import { containerDir, lockContainer, readState } from '../state/store.js';

export async function kill(root: string, id: string, signal: string | undefined, all: boolean): Promise<void> {
  const sig = parseSignal(signal);
  const unlock = await lockContainer(root, id);
  try {
    const s = readState(root, id);
    guard('kill', id, liveStatus(containerDir(root, id), s));
    if (all) {
      const { createCgroupManager } = await import('../cgroups/index.js');
      const cg = createCgroupManager({ id, cgroupsPath: s.cgroup.cgroupsPath, created: s.cgroup.created });
      cg.killAll(sig);
      return;
    }
    try {
      process.kill(s.pid, sig);
    } catch (err) {
      throw new HullError('KILL_FAILED', `kill ${id}: ${(err as Error).message}`);
    }
  } finally {
    unlock();
  }
}
