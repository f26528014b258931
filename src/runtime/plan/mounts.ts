/**
 * config.md#mounts → `mount` ops. Targets stay relative to the rootfs: hull-init resolves each
 * one with openat2(RESOLVE_IN_ROOT) and mounts through /proc/self/fd/N, so a symlink in the
 * rootfs can never redirect a mount onto the host (CVE-2021-30465 class). Sources of bind mounts
 * are host paths, relative ones read against the bundle as runc does.
 */
import { statSync } from 'node:fs';
import { isAbsolute, join, posix } from 'node:path';
import { HullError, isErrno } from '../../errors.js';
import type { Mount } from '../../oci/runtime/types.js';
import { BIND_REMOUNT_MASK, MS, parseMountOptions } from './mount-options.js';
import type { PlanOp } from './ops.js';

/** One hierarchy of the container's cgroups as the container should see it under /sys/fs/cgroup. */
export interface CgroupView {
  /** Host directory of the container's cgroup in this hierarchy. */
  dir: string;
  /** Name under the cgroup mount, e.g. `cpu,cpuacct`, `memory`, `unified`, `systemd`. */
  name: string;
  /** Extra names linked to it, e.g. `cpu` and `cpuacct` → `cpu,cpuacct` (as on the host). */
  links: string[];
}

export interface MountContext {
  bundle: string;
  /** The container's cgroups, to expand `type: cgroup` mounts (runc's mountCgroupV1). */
  cgroups: CgroupView[];
  /** True when the cgroup hierarchy is v2 only: a `cgroup` mount binds the one directory. */
  cgroupV2: boolean;
  /** Collects the `idmap_mount` ops, which hull-init runs before the fork. */
  idmaps?: PlanOp[];
  /** The container's user namespace maps, for `idmap` options without maps of their own. */
  userMaps?: { uid?: Mount['uidMappings']; gid?: Mount['gidMappings'] };
}

/** "/a/b/" → "a/b"; relative destinations are read relative to "/" (config.md#mounts). */
export function containerPath(dest: string): string {
  return posix.normalize(`/${dest}`).replace(/^\/+/, '').replace(/\/+$/, '');
}

export function planMounts(mounts: readonly Mount[] | undefined, ctx: MountContext): PlanOp[] {
  const ops: PlanOp[] = [];
  (mounts ?? []).forEach((m, i) => {
    const target = containerPath(m.destination);
    const opts = parseMountOptions(m.options);
    if (m.type === 'cgroup' || m.type === 'cgroup2') {
      ops.push(...cgroupMounts(target, opts.flags, ctx));
      return;
    }
    const bind = opts.bind || m.type === 'bind';
    const idmapOpt = (m.options ?? []).some((o) => o === 'idmap' || o === 'ridmap');
    if (m.uidMappings || m.gidMappings || idmapOpt) {
      ops.push(idmapMount(m, i, target, opts, bind, ctx));
      return;
    }
    if (bind) {
      const source = isAbsolute(m.source ?? '') ? (m.source as string) : join(ctx.bundle, m.source ?? '');
      let kind: 'dir' | 'file';
      try {
        kind = statSync(source).isDirectory() ? 'dir' : 'file';
      } catch (err) {
        throw new HullError(
          'MOUNT_SOURCE',
          `$.mounts[${i}].source: cannot use ${source} for a bind mount: ${isErrno(err) ? err.code : err}`,
          {
            jsonPath: `$.mounts[${i}].source`,
            section: 'runtime-spec/config.md#mounts',
          },
        );
      }
      ops.push({
        op: 'mount',
        source,
        target,
        fstype: '',
        flags: MS.BIND | (opts.flags & MS.REC),
        data: '',
        remountFlags: opts.flags & BIND_REMOUNT_MASK,
        propagationFlags: opts.propagation,
        kind,
        options: m.options ?? [],
      });
      return;
    }
    ops.push({
      op: 'mount',
      source: m.source ?? m.type ?? 'none',
      target,
      fstype: m.type ?? '',
      flags: opts.flags,
      data: opts.data,
      remountFlags: 0,
      propagationFlags: opts.propagation,
      kind: 'dir',
      options: m.options ?? [],
    });
  });
  return ops;
}

/** mount(2) flags → mount_setattr(2) MOUNT_ATTR_* (linux/mount.h). */
function mountAttr(flags: number): number {
  let a = 0;
  if (flags & MS.RDONLY) a |= 0x1;
  if (flags & MS.NOSUID) a |= 0x2;
  if (flags & MS.NODEV) a |= 0x4;
  if (flags & MS.NOEXEC) a |= 0x8;
  if (flags & MS.NOATIME) a |= 0x10;
  else if (flags & MS.STRICTATIME) a |= 0x20;
  if (flags & MS.NODIRATIME) a |= 0x80;
  if (flags & MS.NOSYMFOLLOW) a |= 0x200000;
  return a;
}

/**
 * config.md#posix-platform-mounts uidMappings/gidMappings (and the `idmap`/`ridmap` options,
 * which take the container's user namespace maps when the mount has none): an idmapped bind
 * mount. hull-init makes it before the fork, while privileged over the source's filesystem
 * (`idmap_mount`), and the child moves it into the rootfs (`mount_fd`).
 */
function idmapMount(
  m: Mount,
  i: number,
  target: string,
  opts: ReturnType<typeof parseMountOptions>,
  bind: boolean,
  ctx: MountContext,
): PlanOp {
  const jsonPath = `$.mounts[${i}]`;
  const section = 'runtime-spec/config.md#posix-platform-mounts';
  if (!bind) throw new HullError('INVALID', `${jsonPath}: idmapped mounts must be bind mounts`, { jsonPath, section });
  const uid = m.uidMappings ?? ctx.userMaps?.uid;
  const gid = m.gidMappings ?? ctx.userMaps?.gid;
  if (!uid?.length || !gid?.length) {
    throw new HullError('INVALID', `${jsonPath}.uidMappings: an idmapped mount needs uidMappings and gidMappings`, {
      jsonPath: `${jsonPath}.uidMappings`,
      section,
    });
  }
  const source = isAbsolute(m.source ?? '') ? (m.source as string) : join(ctx.bundle, m.source ?? '');
  let kind: 'dir' | 'file';
  try {
    kind = statSync(source).isDirectory() ? 'dir' : 'file';
  } catch (err) {
    throw new HullError('MOUNT_SOURCE', `${jsonPath}.source: cannot use ${source}: ${isErrno(err) ? err.code : err}`, {
      jsonPath: `${jsonPath}.source`,
      section: 'runtime-spec/config.md#mounts',
    });
  }
  const index = ctx.idmaps?.length ?? 0;
  ctx.idmaps?.push({
    op: 'idmap_mount',
    source,
    recursive: (opts.flags & MS.REC) !== 0 || (m.options ?? []).includes('ridmap'),
    attr: mountAttr(opts.flags),
    uidMap: idMap(uid),
    gidMap: idMap(gid),
  });
  return { op: 'mount_fd', index, target, kind, propagationFlags: opts.propagation };
}

function idMap(maps: readonly { containerID: number; hostID: number; size: number }[]): string {
  return maps.map((x) => `${x.containerID} ${x.hostID} ${x.size}\n`).join('');
}

/**
 * A `cgroup` mount as runc's cgroupfs driver does it without a cgroup namespace: a tmpfs at the
 * destination, the container's own directory of every hierarchy bound under it (so limits are
 * visible and writes cannot reach the host's tree), links for co-mounted controllers, and the
 * tmpfs made read-only last when asked. On a pure v2 host it is one bind of the unified directory.
 */
function cgroupMounts(target: string, flags: number, ctx: MountContext): PlanOp[] {
  const ro = flags & MS.RDONLY;
  const bindFlags = (flags & BIND_REMOUNT_MASK) | MS.NOSUID | MS.NODEV | MS.NOEXEC;
  const bind = (dir: string, at: string): PlanOp => ({
    op: 'mount',
    source: dir,
    target: at,
    fstype: '',
    flags: MS.BIND | MS.REC,
    data: '',
    remountFlags: bindFlags,
    propagationFlags: 0,
    kind: 'dir',
  });
  if (ctx.cgroupV2) {
    const dir = ctx.cgroups[0]?.dir;
    return dir ? [bind(dir, target)] : [];
  }
  const ops: PlanOp[] = [
    {
      op: 'mount',
      source: 'tmpfs',
      target,
      fstype: 'tmpfs',
      flags: MS.NOSUID | MS.NODEV | MS.NOEXEC,
      data: 'mode=755',
      remountFlags: 0,
      propagationFlags: 0,
      kind: 'dir',
    },
  ];
  for (const c of ctx.cgroups) {
    ops.push(bind(c.dir, `${target}/${c.name}`));
    for (const l of c.links) ops.push({ op: 'symlink', target: c.name, path: `${target}/${l}` });
  }
  if (ro) {
    ops.push({
      op: 'mount',
      source: '',
      target,
      fstype: '',
      flags: MS.REMOUNT | MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC,
      data: '',
      remountFlags: 0,
      propagationFlags: 0,
      kind: 'dir',
    });
  }
  return ops;
}
