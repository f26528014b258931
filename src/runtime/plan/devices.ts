/**
 * config-linux.md#devices and #default-devices: device nodes created in the container's /dev,
 * plus the /dev symlinks runc makes (/dev/fd, stdin, stdout, stderr, ptmx → pts/ptmx). In a
 * user namespace mknod(2) is refused, so the host's node is bind-mounted instead (as runc does).
 */
import type { LinuxDevice, Mount } from '../../oci/runtime/types.js';
import { containerPath } from './mounts.js';
import type { PlanOp } from './ops.js';

/** config-linux.md#default-devices (console is only made with a terminal, which hull lacks yet). */
export const DEFAULT_DEVICES: readonly LinuxDevice[] = [
  { path: '/dev/null', type: 'c', major: 1, minor: 3, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/zero', type: 'c', major: 1, minor: 5, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/full', type: 'c', major: 1, minor: 7, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/random', type: 'c', major: 1, minor: 8, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/urandom', type: 'c', major: 1, minor: 9, fileMode: 0o666, uid: 0, gid: 0 },
  { path: '/dev/tty', type: 'c', major: 5, minor: 0, fileMode: 0o666, uid: 0, gid: 0 },
];

const DEV_LINKS: readonly [string, string][] = [
  ['/proc/self/fd', 'dev/fd'],
  ['/proc/self/fd/0', 'dev/stdin'],
  ['/proc/self/fd/1', 'dev/stdout'],
  ['/proc/self/fd/2', 'dev/stderr'],
];

/**
 * runc creates the default devices unless /dev is a bind mount (then the host's /dev is the
 * container's, and nothing may be created in it).
 */
export function devIsBound(mounts: readonly Mount[] | undefined): boolean {
  return (mounts ?? []).some(
    (m) =>
      containerPath(m.destination) === 'dev' &&
      (m.type === 'bind' || (m.options ?? []).some((o) => o === 'bind' || o === 'rbind')),
  );
}

export function planDevices(
  devices: readonly LinuxDevice[] | undefined,
  mounts: readonly Mount[] | undefined,
  inUserNs: boolean,
): PlanOp[] {
  const ops: PlanOp[] = [];
  const configured = new Set((devices ?? []).map((d) => containerPath(d.path)));
  const node = (d: LinuxDevice): PlanOp => ({
    op: 'mknod',
    path: containerPath(d.path),
    type: d.type === 'u' ? 'c' : d.type,
    major: d.major ?? 0,
    minor: d.minor ?? 0,
    mode: d.fileMode ?? 0o666,
    uid: d.uid ?? 0,
    gid: d.gid ?? 0,
    // A fifo can always be made; only real devices need the host's node in a user namespace.
    bind: inUserNs && d.type !== 'p',
  });
  if (!devIsBound(mounts)) {
    for (const d of DEFAULT_DEVICES) if (!configured.has(containerPath(d.path))) ops.push(node(d));
    for (const [target, path] of DEV_LINKS) ops.push({ op: 'symlink', target, path });
    ops.push({ op: 'symlink', target: 'pts/ptmx', path: 'dev/ptmx' });
  }
  for (const d of devices ?? []) ops.push(node(d));
  return ops;
}
