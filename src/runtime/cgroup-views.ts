/**
 * What a `cgroup` mount shows the container (src/runtime/plan/mounts.ts): for each hierarchy the
 * manager put the container in, its directory and the name it has under /sys/fs/cgroup on the
 * host (co-mounted controllers such as `cpu,cpuacct` get `cpu` and `cpuacct` links, as on the host).
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { CgroupView } from './plan/mounts.js';

export function cgroupViews(paths: Record<string, string>, root = '/sys/fs/cgroup'): CgroupView[] {
  const byName = new Map<string, CgroupView>();
  for (const dir of new Set(Object.values(paths))) {
    if (!dir.startsWith(`${root}/`)) continue;
    const name = dir.slice(root.length + 1).split('/')[0] as string;
    if (!byName.has(name)) byName.set(name, { dir, name, links: [] });
  }
  // Host links such as /sys/fs/cgroup/cpu -> cpu,cpuacct.
  try {
    for (const e of readdirSync(root, { withFileTypes: true })) {
      if (!e.isSymbolicLink()) continue;
      const target = readlinkSync(join(root, e.name));
      byName.get(target)?.links.push(e.name);
    }
  } catch {
    // No links to mirror.
  }
  // Code-unit order: localeCompare's first call loads ICU's collator, ~40 ms of a container's create.
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
