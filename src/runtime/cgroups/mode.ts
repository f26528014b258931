/**
 * Finding the cgroup hierarchies from /proc/self/mountinfo (proc(5)) instead of guessing from
 * directory names: a v1 controller can be co-mounted (`cpu,cpuacct`), mounted under any name, or
 * not mounted at all (it is then free for the unified hierarchy).
 */
import { readFileSync } from 'node:fs';
import { HullError } from '../../errors.js';

export type CgroupMode = 'v1' | 'v2' | 'hybrid';

/** The v1 controllers the kernel knows (cgroups(7)); other super-options are mount flags. */
export const V1_CONTROLLERS = new Set([
  'cpu',
  'cpuacct',
  'cpuset',
  'memory',
  'devices',
  'freezer',
  'net_cls',
  'net_prio',
  'blkio',
  'perf_event',
  'hugetlb',
  'pids',
  'rdma',
  'misc',
]);

export interface CgroupMount {
  /** Where it is mounted, e.g. `/sys/fs/cgroup/cpu,cpuacct`. */
  mountPoint: string;
  /** The cgroup the mount shows as its root (`/` unless bind-mounted or in a cgroup namespace). */
  root: string;
  fsType: 'cgroup' | 'cgroup2';
  /** v1: the controllers and `name=` of the hierarchy; v2: empty. */
  controllers: string[];
}

/** mountinfo escapes space, tab, newline and backslash as octal. */
function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
}

export function parseCgroupMounts(mountinfo: string): CgroupMount[] {
  const byPoint = new Map<string, CgroupMount>();
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const [fsType, , superOpts = ''] = line.slice(sep + 3).split(' ');
    if (fsType !== 'cgroup' && fsType !== 'cgroup2') continue;
    const fields = line.slice(0, sep).split(' ');
    const root = unescapeOctal(fields[3] ?? '/');
    const mountPoint = unescapeOctal(fields[4] ?? '');
    const controllers =
      fsType === 'cgroup' ? superOpts.split(',').filter((o) => V1_CONTROLLERS.has(o) || o.startsWith('name=')) : [];
    // A later line over the same mount point hides the earlier mount.
    byPoint.delete(mountPoint);
    byPoint.set(mountPoint, { mountPoint, root, fsType, controllers });
  }
  return [...byPoint.values()];
}

export function readCgroupMounts(mountinfoPath = '/proc/self/mountinfo'): CgroupMount[] {
  return parseCgroupMounts(readFileSync(mountinfoPath, 'utf8'));
}

/**
 * v2: cgroup2 mounted at `root`; hybrid: v1 hierarchies under `root` plus cgroup2 at
 * `root/unified` (systemd's hybrid layout); v1: v1 hierarchies and no unified mount.
 */
export function detectCgroupMode(root = '/sys/fs/cgroup', mountinfoPath = '/proc/self/mountinfo'): CgroupMode {
  return modeFromMounts(readCgroupMounts(mountinfoPath), root);
}

export function modeFromMounts(mounts: CgroupMount[], root: string): CgroupMode {
  const r = root.replace(/\/+$/, '');
  if (mounts.some((m) => m.fsType === 'cgroup2' && m.mountPoint === r)) return 'v2';
  const v1 = mounts.some((m) => m.fsType === 'cgroup' && m.mountPoint.startsWith(`${r}/`));
  const unified = mounts.some((m) => m.fsType === 'cgroup2' && m.mountPoint === `${r}/unified`);
  if (v1) return unified ? 'hybrid' : 'v1';
  throw new HullError('CGROUP_NOT_MOUNTED', `no cgroup filesystem is mounted at or under ${r}`, {
    file: '/proc/self/mountinfo',
    section: 'runtime-spec/config-linux.md#control-groups',
  });
}

/** v1 controller (or `name=...`) → its mount, for the hierarchies mounted under `root`. */
export function v1Hierarchies(mounts: CgroupMount[], root: string): Map<string, CgroupMount> {
  const r = root.replace(/\/+$/, '');
  const out = new Map<string, CgroupMount>();
  for (const m of mounts) {
    if (m.fsType !== 'cgroup' || !m.mountPoint.startsWith(`${r}/`)) continue;
    for (const c of m.controllers) out.set(c, m);
  }
  return out;
}
