/** `resume` (runc's): thaw a paused container's cgroup and drop the `paused` marker. */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { guard } from '../lifecycle.js';
import { liveStatus } from '../state/status.js';
import { containerDir, lockContainer } from '../state/store.js';
import { containerCgroup } from './pause.js';

export async function resume(root: string, id: string): Promise<void> {
  const unlock = await lockContainer(root, id);
  try {
    const dir = containerDir(root, id);
    const { s, cg } = await containerCgroup(root, id);
    guard('resume', id, liveStatus(dir, s));
    cg.thaw();
    rmSync(join(dir, 'paused'), { force: true });
  } finally {
    unlock();
  }
}
