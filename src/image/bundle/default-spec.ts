/**
 * The default runtime configuration: the config.json `runc spec` (runc 1.1.5, libcontainer/specconv
 * Example) writes, and its `runc spec --rootless` variant (specconv ToRootless). Converted image
 * configurations start from it (image-spec/conversion.md: values not set by the conversion are
 * implementation-defined). test/image/bundle/default-spec.test.ts compares it field by field
 * with the installed runc, so drift is caught rather than assumed.
 *
 * Deliberate differences from runc:
 * - `ociVersion` is the runtime-spec version hull implements (v1.3.0, /work/shared/specs), not
 *   runc 1.1.5's "1.0.2-dev": every field written here is unchanged in v1.3.0, so the document
 *   is valid at the version it claims.
 * - `hostname` is "hull", not "runc".
 * No cgroup namespace: runc 1.1 does not unshare one by default (runc 1.2 does); we mirror the
 * installed runc so a bundle behaves the same under either runtime.
 */
import type { RuntimeSpec, SpecMount, SpecNamespace } from './spec-types.js';

/** runtime-spec/config.md#specification-version */
export const RUNTIME_SPEC_VERSION = '1.3.0';

/** The PATH runc (and Docker) use when the image does not set one. */
export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface DefaultSpecOptions {
  /** process.terminal (default true, as `runc spec`). Adds TERM=xterm to env when true. */
  terminal?: boolean;
  /** The `runc spec --rootless` variant: user namespace mapping the current euid/egid to 0. */
  rootless?: boolean;
}

const CAPS = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];

const MASKED_PATHS = [
  '/proc/acpi',
  '/proc/asound',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/sys/firmware',
  '/proc/scsi',
];

const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

function defaultMounts(): SpecMount[] {
  return [
    { destination: '/proc', type: 'proc', source: 'proc' },
    {
      destination: '/dev',
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
    },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
    {
      destination: '/dev/shm',
      type: 'tmpfs',
      source: 'shm',
      options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'],
    },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    {
      destination: '/sys/fs/cgroup',
      type: 'cgroup',
      source: 'cgroup',
      options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'],
    },
  ];
}

/** A fresh default spec (a new object each call, so callers may mutate it). */
export function defaultSpec(opts: DefaultSpecOptions = {}): RuntimeSpec {
  const terminal = opts.terminal ?? true;
  const env = [DEFAULT_PATH];
  if (terminal) env.push('TERM=xterm');
  const spec: RuntimeSpec = {
    ociVersion: RUNTIME_SPEC_VERSION,
    process: {
      terminal,
      user: { uid: 0, gid: 0 },
      args: ['sh'],
      env,
      cwd: '/',
      capabilities: {
        bounding: [...CAPS],
        effective: [...CAPS],
        permitted: [...CAPS],
        ambient: [...CAPS],
      },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: true },
    hostname: 'hull',
    mounts: defaultMounts(),
    linux: {
      resources: { devices: [{ allow: false, access: 'rwm' }] },
      namespaces: (['pid', 'network', 'ipc', 'uts', 'mount'] as const).map((type) => ({ type })),
      maskedPaths: [...MASKED_PATHS],
      readonlyPaths: [...READONLY_PATHS],
    },
  };
  return opts.rootless ? toRootless(spec) : spec;
}

/**
 * runc's ToRootless: no network namespace (an unprivileged user cannot configure one), a user
 * namespace mapping the caller's euid/egid to root (runtime-spec/config-linux.md#user-namespace-
 * mappings), /sys bind-mounted (sysfs cannot be mounted without owning the network namespace),
 * no uid=/gid= mount options (the ids may be unmapped), and no cgroup resources (an unprivileged
 * user may not be able to write them).
 */
export function toRootless(spec: RuntimeSpec): RuntimeSpec {
  const linux = spec.linux ?? {};
  const namespaces: SpecNamespace[] = (linux.namespaces ?? []).filter(
    (ns) => ns.type !== 'network' && ns.type !== 'user',
  );
  namespaces.push({ type: 'user' });
  const mounts = (spec.mounts ?? []).map((m): SpecMount => {
    if (m.destination.replace(/\/+$/, '') === '/sys') {
      return {
        destination: '/sys',
        type: 'none',
        source: '/sys',
        options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'],
      };
    }
    if (!m.options) return m;
    return { ...m, options: m.options.filter((o) => !o.startsWith('uid=') && !o.startsWith('gid=')) };
  });
  const { resources: _dropped, ...rest } = linux;
  return {
    ...spec,
    mounts,
    linux: {
      uidMappings: [{ containerID: 0, hostID: process.geteuid?.() ?? 0, size: 1 }],
      gidMappings: [{ containerID: 0, hostID: process.getegid?.() ?? 0, size: 1 }],
      ...rest,
      namespaces,
    },
  };
}
