/**
 * `pause` (runc's; runtime.md has no pause): freeze the container's cgroup. The `paused` marker in
 * the state directory makes the live status `paused` until `resume` (state/status.ts).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { guard } from '../lifecycle.js';
import { liveStatus } from '../state/status.js';
import { containerDir, lockContainer, readState } from '../state/store.js';

export async function containerCgroup(root: string, id: string) {
  const s = readState(root, id);
  const { createCgroupManager } = await import('../cgroups/index.js');
  return { s, cg: createCgroupManager({ id, cgroupsPath: s.cgroup.cgroupsPath, created: s.cgroup.created }) };
}

export async function pause(root: string, id: string): Promise<void> {
  const unlock = await lockContainer(root, id);
  try {
    const dir = containerDir(root, id);
    const { s, cg } = await containerCgroup(root, id);
    guard('pause', id, liveStatus(dir, s));
    cg.freeze();
    writeFileSync(join(dir, 'paused'), '');
  } finally {
    unlock();
  }
}
