/**
 * From a validated config.json to the plan hull-init runs (docs/runtime-plan.md#order). The
 * order of the list is the order of the container's construction; each step says why it sits
 * where it does.
 */
import { posix } from 'node:path';
import { HullError } from '../../errors.js';
import type { RuntimeConfig } from '../../oci/runtime/types.js';
import { checkSupported, processAttrOps } from './attrs.js';
import { planCapabilities } from './capabilities.js';
import { planDevices } from './devices.js';
import { MS } from './mount-options.js';
import { type CgroupView, containerPath, planMounts } from './mounts.js';
import { idMapText, planNamespaces } from './namespaces.js';
import type { Plan, PlanOp } from './ops.js';
import { pathOf, planHooks, planRlimits, planUser, processEnv } from './process.js';
import { planSeccomp } from './seccomp.js';

export interface CompileInput {
  config: RuntimeConfig;
  /** Absolute bundle directory. */
  bundle: string;
  /** Absolute path of the exec fifo in the container's state directory. */
  fifo: string;
  /** cgroup.procs files hull-init's parent writes the child's pid to. */
  cgroupProcs: string[];
  /** The container's cgroup directories, for `type: cgroup` mounts. */
  cgroupViews: CgroupView[];
  cgroupV2: boolean;
  noPivot?: boolean;
  /** --preserve-fds: fds 3 .. 3+N-1 stay open in the container. */
  preserveFds?: number;
  /** `run` without --detach: hull-init's parent waits and reports the exit status. */
  monitor?: boolean;
  /** Whether prestart/createRuntime hooks need the sync point (computed from config by default). */
  lastCap: number;
  /** --console-socket, for `process.terminal` (docs/runtime-plan.md#exec-and-terminals). */
  consoleSocket?: string;
  /** The name of the new session keyring (runc: `_ses.<id>`); none with --no-new-keyring. */
  keyring?: string;
  /** HOME from the rootfs's /etc/passwd when env has none. */
  home?: string;
  warn?: (m: string) => void;
}

const PROPAGATION = { shared: MS.SHARED, slave: MS.SLAVE, private: MS.PRIVATE, unbindable: MS.UNBINDABLE } as const;

/** `process.terminal`: connect to the console socket first, while host paths are reachable. */
export function consoleSocketOps(config: RuntimeConfig, socket: string | undefined): PlanOp[] {
  if (!config.process?.terminal) return [];
  if (!socket) {
    // runc: "cannot allocate tty if runc will detach without setting console socket".
    throw new HullError('INVALID', '$.process.terminal is true: --console-socket is required', {
      jsonPath: '$.process.terminal',
      section: 'runtime-spec/config.md#process',
    });
  }
  return [{ op: 'console_socket', path: socket }];
}

export function consoleOp(proc: NonNullable<RuntimeConfig['process']>, mountConsole: boolean): PlanOp {
  return {
    op: 'console',
    rows: proc.consoleSize?.height ?? 0,
    cols: proc.consoleSize?.width ?? 0,
    mountConsole,
  };
}

export function compilePlan(input: CompileInput): Plan {
  const { config } = input;
  const warn = input.warn ?? (() => {});
  const proc = config.process;
  if (!proc?.args?.length) {
    throw new HullError('INVALID', '$.process.args: a Linux container needs at least one argument', {
      jsonPath: '$.process.args',
      section: 'runtime-spec/config.md#process',
    });
  }
  const linux = config.linux ?? {};
  checkSupported(proc, linux);
  const ns = planNamespaces(linux.namespaces, linux.timeOffsets);
  const newUser = ns.created.has('user');
  const inUserNs = newUser || ns.joined.has('user');
  if (!ns.created.has('mount') && !ns.joined.has('mount')) {
    throw new HullError('INVALID', '$.linux.namespaces: hull-runtime needs a mount namespace to build the rootfs in', {
      jsonPath: '$.linux.namespaces',
      section: 'runtime-spec/config-linux.md#namespaces',
    });
  }
  if ((config.hostname || config.domainname) && !ns.created.has('uts')) {
    const field = config.hostname ? 'hostname' : 'domainname';
    // config.md#hostname: setting it without a new UTS namespace would change the host's name.
    throw new HullError('INVALID', `$.${field}: needs a new uts namespace (config-linux.md#namespaces)`, {
      jsonPath: `$.${field}`,
      section: 'runtime-spec/config.md#hostname',
    });
  }
  if (newUser && (!linux.uidMappings?.length || !linux.gidMappings?.length)) {
    throw new HullError('INVALID', '$.linux.uidMappings: a new user namespace needs uidMappings and gidMappings', {
      jsonPath: '$.linux.uidMappings',
      section: 'runtime-spec/config-linux.md#user-namespace-mappings',
    });
  }

  // Mounts are planned first: idmapped ones are made before the fork (plan/mounts.ts).
  const idmaps: PlanOp[] = [];
  const mounts = planMounts(config.mounts, {
    bundle: input.bundle,
    cgroups: input.cgroupViews,
    cgroupV2: input.cgroupV2,
    idmaps,
    userMaps: newUser ? { uid: linux.uidMappings, gid: linux.gidMappings } : undefined,
  });
  // The exec fifo is opened by hull-init's first process, as host root in the host's mount
  // namespace: the child may be another uid in a user namespace, or in a joined mount namespace,
  // where the state directory (0700, root's) is out of reach.
  const ops: PlanOp[] = [
    ...consoleSocketOps(config, input.consoleSocket),
    { op: 'open_fifo', path: input.fifo },
    ...idmaps,
    ...ns.before,
    ns.clone,
  ];
  // Parent side, while the child waits: maps first (the child's first act is to become root in
  // its namespace), then cgroups, so nothing the container runs escapes its limits.
  if (newUser) {
    ops.push({ op: 'uid_map', map: idMapText(linux.uidMappings ?? []) });
    ops.push({ op: 'gid_map', map: idMapText(linux.gidMappings ?? []) });
  }
  for (const procs of input.cgroupProcs) ops.push({ op: 'cgroup_join', procs });
  if (input.monitor) ops.push({ op: 'monitor' });

  // Child side. In a joined user namespace too: host root is not mapped there (files it made
  // would fail with EOVERFLOW), root of the namespace is (runc's setresuid(0) after setns).
  if (inUserNs) ops.push({ op: 'userns_root' });
  ops.push(...ns.after, { op: 'setsid' });
  if (input.keyring) ops.push({ op: 'session_keyring', name: input.keyring });

  // Mount events must not propagate to the host: make / a slave (runc's default) or what
  // rootfsPropagation says, recursively, before mounting anything.
  const prop = linux.rootfsPropagation;
  ops.push({
    op: 'root_propagation',
    flags: (prop ? PROPAGATION[prop] : MS.SLAVE) | MS.REC,
    name: prop ? `r${prop}` : 'rslave',
  });
  const rootPath = posix.resolve(input.bundle, config.root?.path ?? 'rootfs');
  ops.push({ op: 'bind_rootfs', path: rootPath });
  ops.push(...mounts);
  ops.push(...planDevices(linux.devices, config.mounts, inUserNs));

  const seccomp = linux.seccomp ? planSeccomp(linux.seccomp) : undefined;
  const listenerPath = seccomp?.notify ? (linux.seccomp?.listenerPath ?? '') : '';
  if (seccomp?.notify && !listenerPath) {
    throw new HullError('INVALID', '$.linux.seccomp.listenerPath: SCMP_ACT_NOTIFY needs a listenerPath', {
      jsonPath: '$.linux.seccomp.listenerPath',
      section: 'runtime-spec/config-linux.md#seccomp',
    });
  }
  if (listenerPath) ops.push({ op: 'seccomp_listener', path: listenerPath });

  // runtime.md#lifecycle steps 3-5: prestart and createRuntime hooks run by the runtime once the
  // environment exists, createContainer in the container's namespaces, all before pivot_root
  // (config.md#createRuntime-hooks, #createContainer-hooks).
  const hooks = config.hooks ?? {};
  // The seccomp agent gets the container's state with the notify fd (config-linux.md#the-
  // container-process-state): hull-init learns it at the same sync point.
  if (hooks.prestart?.length || hooks.createRuntime?.length || hooks.createContainer?.length || listenerPath) {
    ops.push({ op: 'sync_hooks' }, ...planHooks('createContainer', hooks.createContainer));
  }
  ops.push(input.noPivot ? { op: 'move_root' } : { op: 'pivot_root' });
  // config-linux.md#rootfs-mount-propagation: the propagation of the container's / itself, set
  // once it is / (before, it applied to the runtime's view, to keep mounts from leaking out).
  if (prop) ops.push({ op: 'root_propagation', flags: PROPAGATION[prop], name: prop });
  // runc's setupConsole: after the mounts (the pty comes from the container's devpts), before
  // the root becomes read-only (the slave is bound onto /dev/console).
  if (proc.terminal) ops.push(consoleOp(proc, true));
  if (config.root?.readonly) ops.push({ op: 'readonly_root' });

  // sysctls before readonlyPaths: /proc/sys is usually among them.
  for (const [key, value] of Object.entries(linux.sysctl ?? {})) ops.push({ op: 'sysctl', key, value });
  if (config.hostname) ops.push({ op: 'hostname', name: config.hostname });
  if (config.domainname) ops.push({ op: 'domainname', name: config.domainname });
  for (const p of linux.readonlyPaths ?? []) ops.push({ op: 'readonly', path: containerPath(p) });
  for (const p of linux.maskedPaths ?? []) ops.push({ op: 'mask', path: containerPath(p) });

  ops.push(...planRlimits(proc.rlimits));
  if (proc.oomScoreAdj !== undefined) ops.push({ op: 'oom_score_adj', value: proc.oomScoreAdj });
  // personality, ioPriority, scheduler, AppArmor: while still privileged (real-time policies and
  // the RT I/O class need CAP_SYS_NICE / CAP_SYS_ADMIN).
  ops.push(...processAttrOps(proc, linux));
  if (proc.noNewPrivileges) ops.push({ op: 'no_new_privs' });
  const seccompLoad: PlanOp[] = seccomp
    ? [
        ...seccomp.build,
        { op: 'seccomp_load', listenerPath, metadata: JSON.stringify(linux.seccomp?.listenerMetadata ?? '') },
      ]
    : [];
  // Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: load it while still privileged
  // (the process then runs setuid/capset under it, as with runc). With no_new_privs it is
  // loaded last, just before execve, so the filter constrains as little of hull-init as possible.
  if (!proc.noNewPrivileges) ops.push(...seccompLoad);

  const caps = planCapabilities(proc.capabilities, input.lastCap, warn);
  ops.push(caps.bounding, planUser(proc), caps.sets);
  if (caps.ambient) ops.push(caps.ambient);
  ops.push({ op: 'umask', mask: proc.user.umask ?? 0o022 });
  ops.push({ op: 'chdir', path: proc.cwd });

  const env = processEnv(proc, input.home);
  ops.push({ op: 'resolve_exec', name: proc.args[0] as string, path: pathOf(env) });
  ops.push({ op: 'close_fds', from: 3 + (input.preserveFds ?? 0) });
  ops.push({ op: 'created' }, { op: 'wait_start' });
  // runtime.md#lifecycle step 7: startContainer hooks after start, before the user program.
  ops.push(...planHooks('startContainer', hooks.startContainer));
  if (proc.noNewPrivileges) ops.push(...seccompLoad);
  ops.push({ op: 'exec', args: proc.args, env });
  return { ops };
}
