/**
 * config-linux.md#namespaces → setns ops (namespaces with a `path`) and the CLONE_NEW* flags of
 * the fork that becomes the container's init. The user namespace is joined first (runc's nsexec
 * order): the other namespaces a path names may be owned by it. A new cgroup namespace is
 * unshared by the child only after it joined its cgroups, so its own cgroup becomes its root
 * (config-linux.md#namespaces, cgroup).
 */
import { HullError } from '../../errors.js';
import type { Linux, LinuxNamespace, NamespaceType } from '../../oci/runtime/types.js';
import { timeOffsetsText } from './attrs.js';
import type { PlanOp } from './ops.js';

export const CLONE: Record<NamespaceType, number> = {
  mount: 0x00020000,
  cgroup: 0x02000000,
  uts: 0x04000000,
  ipc: 0x08000000,
  user: 0x10000000,
  pid: 0x20000000,
  network: 0x40000000,
  time: 0x00000080,
};

export interface NamespacePlan {
  /** Ops run before the fork (setns, then timens). */
  before: PlanOp[];
  clone: PlanOp & { op: 'clone' };
  /** Ops run by the child once released (unshare of the cgroup namespace). */
  after: PlanOp[];
  /** Types the container gets fresh. */
  created: Set<NamespaceType>;
  /** Types joined by path. */
  joined: Set<NamespaceType>;
}

export function planNamespaces(
  namespaces: readonly LinuxNamespace[] | undefined,
  timeOffsets?: Linux['timeOffsets'],
): NamespacePlan {
  const list = namespaces ?? [];
  const created = new Set<NamespaceType>();
  const joined = new Set<NamespaceType>();
  const setns: PlanOp[] = [];
  list.forEach((ns) => {
    if (ns.path) {
      joined.add(ns.type);
      setns.push({ op: 'setns', type: ns.type, nstype: CLONE[ns.type], path: ns.path });
    } else created.add(ns.type);
  });
  setns.sort((a, b) => Number(b.op === 'setns' && b.type === 'user') - Number(a.op === 'setns' && a.type === 'user'));
  // time_namespaces(7): CLONE_NEWTIME is not a clone(2) flag (0x80 lies in CSIGNAL); hull-init
  // unshares it before the fork and writes the offsets, and the init is forked into it.
  if (created.has('time')) setns.push({ op: 'timens', offsets: timeOffsetsText(timeOffsets) });
  else if (timeOffsets && Object.keys(timeOffsets).length) {
    throw new HullError('INVALID', '$.linux.timeOffsets: needs a new time namespace (config-linux.md#namespaces)', {
      jsonPath: '$.linux.timeOffsets',
      section: 'runtime-spec/config-linux.md#offset-for-time-namespace',
    });
  }
  let flags = 0;
  const names: string[] = [];
  for (const t of created) {
    if (t === 'cgroup' || t === 'time') continue;
    flags |= CLONE[t];
    names.push(t);
  }
  const after: PlanOp[] = created.has('cgroup') ? [{ op: 'unshare', flags: CLONE.cgroup, namespaces: ['cgroup'] }] : [];
  return { before: setns, clone: { op: 'clone', flags, namespaces: names }, after, created, joined };
}

/** /proc/PID/uid_map text for config-linux.md#user-namespace-mappings. */
export function idMapText(maps: readonly { containerID: number; hostID: number; size: number }[]): string {
  return maps.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join('');
}
