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
    if (m.uidMappings || m.gidMappings) {
      throw new HullError('UNSUPPORTED', `$.mounts[${i}]: idmapped mounts are not supported by hull-runtime`, {
        jsonPath: `$.mounts[${i}].uidMappings`,
        section: 'runtime-spec/config.md#posix-platform-mounts',
      });
    }
    const bind = opts.bind || m.type === 'bind';
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
