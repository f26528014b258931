/**
 * Types of runtime-spec v1.3.0 for Linux: config.json (config.md, config-linux.md), the state of
 * runtime.md#state, the container process state of config-linux.md#the-container-process-state and
 * the features document (features.md, features-linux.md). The value lists the spec enumerates are
 * constants here so validators and types share them. Integers the spec types as int64/uint64 are
 * numbers: beyond 2^53 JSON numbers are not exact in JavaScript.
 */

/** config-linux.md#namespaces */
export const NAMESPACE_TYPES = ['pid', 'network', 'mount', 'ipc', 'uts', 'user', 'cgroup', 'time'] as const;
export type NamespaceType = (typeof NAMESPACE_TYPES)[number];

/** config.md#linux-process scheduler.policy and scheduler.flags */
export const SCHED_POLICIES = [
  'SCHED_OTHER',
  'SCHED_FIFO',
  'SCHED_RR',
  'SCHED_BATCH',
  'SCHED_ISO',
  'SCHED_IDLE',
  'SCHED_DEADLINE',
] as const;
export const SCHED_FLAGS = [
  'SCHED_FLAG_RESET_ON_FORK',
  'SCHED_FLAG_RECLAIM',
  'SCHED_FLAG_DL_OVERRUN',
  'SCHED_FLAG_KEEP_POLICY',
  'SCHED_FLAG_KEEP_PARAMS',
  'SCHED_FLAG_UTIL_CLAMP_MIN',
  'SCHED_FLAG_UTIL_CLAMP_MAX',
] as const;

/** config.md#linux-process ioPriority.class */
export const IOPRIO_CLASSES = ['IOPRIO_CLASS_RT', 'IOPRIO_CLASS_BE', 'IOPRIO_CLASS_IDLE'] as const;

/** config.md#posix-platform-hooks: the hook names, in the order a container's life reaches them. */
export const HOOK_NAMES = [
  'prestart',
  'createRuntime',
  'createContainer',
  'startContainer',
  'poststart',
  'poststop',
] as const;
export type HookName = (typeof HOOK_NAMES)[number];

/** config-linux.md#devices */
export const DEVICE_TYPES = ['c', 'b', 'u', 'p'] as const;
/** config-linux.md#allowed-device-list */
export const CGROUP_DEVICE_TYPES = ['a', 'c', 'b'] as const;

/** config-linux.md#seccomp (libseccomp v2.6.0 names) */
export const SECCOMP_ACTIONS = [
  'SCMP_ACT_KILL',
  'SCMP_ACT_KILL_PROCESS',
  'SCMP_ACT_KILL_THREAD',
  'SCMP_ACT_TRAP',
  'SCMP_ACT_ERRNO',
  'SCMP_ACT_TRACE',
  'SCMP_ACT_ALLOW',
  'SCMP_ACT_LOG',
  'SCMP_ACT_NOTIFY',
] as const;
export const SECCOMP_ARCHES = [
  'SCMP_ARCH_X86',
  'SCMP_ARCH_X86_64',
  'SCMP_ARCH_X32',
  'SCMP_ARCH_ARM',
  'SCMP_ARCH_AARCH64',
  'SCMP_ARCH_MIPS',
  'SCMP_ARCH_MIPS64',
  'SCMP_ARCH_MIPS64N32',
  'SCMP_ARCH_MIPSEL',
  'SCMP_ARCH_MIPSEL64',
  'SCMP_ARCH_MIPSEL64N32',
  'SCMP_ARCH_PPC',
  'SCMP_ARCH_PPC64',
  'SCMP_ARCH_PPC64LE',
  'SCMP_ARCH_S390',
  'SCMP_ARCH_S390X',
  'SCMP_ARCH_PARISC',
  'SCMP_ARCH_PARISC64',
  'SCMP_ARCH_RISCV64',
  'SCMP_ARCH_LOONGARCH64',
  'SCMP_ARCH_M68K',
  'SCMP_ARCH_SH',
  'SCMP_ARCH_SHEB',
] as const;
export const SECCOMP_FLAGS = [
  'SECCOMP_FILTER_FLAG_TSYNC',
  'SECCOMP_FILTER_FLAG_LOG',
  'SECCOMP_FILTER_FLAG_SPEC_ALLOW',
  'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV',
] as const;
export const SECCOMP_OPERATORS = [
  'SCMP_CMP_NE',
  'SCMP_CMP_LT',
  'SCMP_CMP_LE',
  'SCMP_CMP_EQ',
  'SCMP_CMP_GE',
  'SCMP_CMP_GT',
  'SCMP_CMP_MASKED_EQ',
] as const;
export type SeccompAction = (typeof SECCOMP_ACTIONS)[number];
export type SeccompArch = (typeof SECCOMP_ARCHES)[number];
export type SeccompFlag = (typeof SECCOMP_FLAGS)[number];
export type SeccompOperator = (typeof SECCOMP_OPERATORS)[number];

/** config-linux.md#rootfs-mount-propagation */
export const ROOTFS_PROPAGATIONS = ['shared', 'slave', 'private', 'unbindable'] as const;
/** config-linux.md#personality */
export const PERSONALITY_DOMAINS = ['LINUX', 'LINUX32'] as const;
/** config-linux.md#memory-policy */
export const MEMORY_POLICY_MODES = [
  'MPOL_DEFAULT',
  'MPOL_BIND',
  'MPOL_INTERLEAVE',
  'MPOL_WEIGHTED_INTERLEAVE',
  'MPOL_PREFERRED',
  'MPOL_PREFERRED_MANY',
  'MPOL_LOCAL',
] as const;
export const MEMORY_POLICY_FLAGS = ['MPOL_F_NUMA_BALANCING', 'MPOL_F_RELATIVE_NODES', 'MPOL_F_STATIC_NODES'] as const;
/** config-linux.md#offset-for-time-namespace: the clocks time_namespaces(7) can offset. */
export const TIME_OFFSET_CLOCKS = ['monotonic', 'boottime'] as const;
/** runtime.md#state: the statuses the spec defines (runtimes MAY add others). */
export const CONTAINER_STATUSES = ['creating', 'created', 'running', 'stopped'] as const;
export type ContainerStatus = (typeof CONTAINER_STATUSES)[number];

// --- config.md ---------------------------------------------------------------------------------

/** config.md#root */
export interface Root {
  path: string;
  readonly?: boolean;
}

/** config-linux.md#user-namespace-mappings (also mounts' uidMappings/gidMappings) */
export interface IDMapping {
  containerID: number;
  hostID: number;
  size: number;
}

/** config.md#mounts and #posix-platform-mounts */
export interface Mount {
  destination: string;
  source?: string;
  options?: string[];
  type?: string;
  uidMappings?: IDMapping[];
  gidMappings?: IDMapping[];
}

/** config.md#posix-platform-user */
export interface User {
  uid: number;
  gid: number;
  umask?: number;
  additionalGids?: number[];
  /** Windows only (config.md#windows-user). */
  username?: string;
}

/** config.md#posix-process */
export interface POSIXRlimit {
  type: string;
  soft: number;
  hard: number;
}

/** config.md#linux-process capabilities */
export interface LinuxCapabilities {
  effective?: string[];
  bounding?: string[];
  inheritable?: string[];
  permitted?: string[];
  ambient?: string[];
}

export interface Scheduler {
  policy: (typeof SCHED_POLICIES)[number];
  nice?: number;
  priority?: number;
  flags?: (typeof SCHED_FLAGS)[number][];
  runtime?: number;
  deadline?: number;
  period?: number;
}

export interface IOPriority {
  class: (typeof IOPRIO_CLASSES)[number];
  priority: number;
}

export interface CPUAffinity {
  initial?: string;
  final?: string;
}

/** config.md#process */
export interface Process {
  terminal?: boolean;
  consoleSize?: { height: number; width: number };
  user: User;
  args?: string[];
  /** Windows only. */
  commandLine?: string;
  env?: string[];
  cwd: string;
  capabilities?: LinuxCapabilities;
  rlimits?: POSIXRlimit[];
  noNewPrivileges?: boolean;
  apparmorProfile?: string;
  oomScoreAdj?: number;
  scheduler?: Scheduler;
  selinuxLabel?: string;
  ioPriority?: IOPriority;
  execCPUAffinity?: CPUAffinity;
}

/** config.md#posix-platform-hooks */
export interface Hook {
  path: string;
  args?: string[];
  env?: string[];
  timeout?: number;
}

export type Hooks = Partial<Record<HookName, Hook[]>>;

/** config.md: the whole config.json. Other platforms' sections are kept opaque. */
export interface RuntimeConfig {
  ociVersion: string;
  root?: Root;
  mounts?: Mount[];
  process?: Process;
  hostname?: string;
  domainname?: string;
  hooks?: Hooks;
  annotations?: Record<string, string>;
  linux?: Linux;
  solaris?: Record<string, unknown>;
  windows?: Record<string, unknown>;
  vm?: Record<string, unknown>;
  zos?: Record<string, unknown>;
  freebsd?: Record<string, unknown>;
}

// --- config-linux.md ---------------------------------------------------------------------------

export interface LinuxNamespace {
  type: NamespaceType;
  path?: string;
}

export interface LinuxTimeOffset {
  secs?: number;
  nanosecs?: number;
}

/** config-linux.md#devices */
export interface LinuxDevice {
  type: (typeof DEVICE_TYPES)[number];
  path: string;
  major?: number;
  minor?: number;
  fileMode?: number;
  uid?: number;
  gid?: number;
}

/** config-linux.md#network-devices */
export interface LinuxNetDevice {
  name?: string;
}

/** config-linux.md#allowed-device-list */
export interface LinuxDeviceCgroup {
  allow: boolean;
  type?: (typeof CGROUP_DEVICE_TYPES)[number];
  major?: number;
  minor?: number;
  access?: string;
}

/** config-linux.md#memory */
export interface LinuxMemory {
  limit?: number;
  reservation?: number;
  swap?: number;
  kernel?: number;
  kernelTCP?: number;
  swappiness?: number;
  disableOOMKiller?: boolean;
  useHierarchy?: boolean;
  checkBeforeUpdate?: boolean;
}

/** config-linux.md#cpu */
export interface LinuxCPU {
  shares?: number;
  quota?: number;
  burst?: number;
  period?: number;
  realtimeRuntime?: number;
  realtimePeriod?: number;
  cpus?: string;
  mems?: string;
  idle?: number;
}

/** config-linux.md#block-io */
export interface LinuxBlockIODevice {
  major: number;
  minor: number;
}
export interface LinuxWeightDevice extends LinuxBlockIODevice {
  weight?: number;
  leafWeight?: number;
}
export interface LinuxThrottleDevice extends LinuxBlockIODevice {
  rate: number;
}
export interface LinuxBlockIO {
  weight?: number;
  leafWeight?: number;
  weightDevice?: LinuxWeightDevice[];
  throttleReadBpsDevice?: LinuxThrottleDevice[];
  throttleWriteBpsDevice?: LinuxThrottleDevice[];
  throttleReadIOPSDevice?: LinuxThrottleDevice[];
  throttleWriteIOPSDevice?: LinuxThrottleDevice[];
}

/** config-linux.md#huge-page-limits */
export interface LinuxHugepageLimit {
  pageSize: string;
  limit: number;
}

/** config-linux.md#network */
export interface LinuxNetwork {
  classID?: number;
  priorities?: { name: string; priority: number }[];
}

/** config-linux.md#rdma */
export interface LinuxRdma {
  hcaHandles?: number;
  hcaObjects?: number;
}

/** config-linux.md#control-groups `resources` */
export interface LinuxResources {
  devices?: LinuxDeviceCgroup[];
  memory?: LinuxMemory;
  cpu?: LinuxCPU;
  blockIO?: LinuxBlockIO;
  hugepageLimits?: LinuxHugepageLimit[];
  network?: LinuxNetwork;
  pids?: { limit?: number };
  rdma?: Record<string, LinuxRdma>;
  /** config-linux.md#unified: cgroup v2 file name → value. */
  unified?: Record<string, string>;
}

/** config-linux.md#intelrdt */
export interface LinuxIntelRdt {
  closID?: string;
  l3CacheSchema?: string;
  memBwSchema?: string;
  schemata?: string[];
  enableMonitoring?: boolean;
}

/** config-linux.md#memory-policy */
export interface LinuxMemoryPolicy {
  mode: (typeof MEMORY_POLICY_MODES)[number];
  nodes?: string;
  flags?: (typeof MEMORY_POLICY_FLAGS)[number][];
}

/** config-linux.md#seccomp */
export interface LinuxSeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: SeccompOperator;
}
export interface LinuxSyscall {
  names: string[];
  action: SeccompAction;
  errnoRet?: number;
  args?: LinuxSeccompArg[];
}
export interface LinuxSeccomp {
  defaultAction: SeccompAction;
  defaultErrnoRet?: number;
  architectures?: SeccompArch[];
  flags?: SeccompFlag[];
  listenerPath?: string;
  listenerMetadata?: string;
  syscalls?: LinuxSyscall[];
}

/** config-linux.md#personality */
export interface LinuxPersonality {
  domain: (typeof PERSONALITY_DOMAINS)[number];
  flags?: string[];
}

/** config-linux.md: the `linux` object of config.json. */
export interface Linux {
  namespaces?: LinuxNamespace[];
  uidMappings?: IDMapping[];
  gidMappings?: IDMapping[];
  timeOffsets?: Partial<Record<(typeof TIME_OFFSET_CLOCKS)[number], LinuxTimeOffset>>;
  devices?: LinuxDevice[];
  netDevices?: Record<string, LinuxNetDevice>;
  cgroupsPath?: string;
  resources?: LinuxResources;
  intelRdt?: LinuxIntelRdt;
  memoryPolicy?: LinuxMemoryPolicy;
  sysctl?: Record<string, string>;
  seccomp?: LinuxSeccomp;
  rootfsPropagation?: (typeof ROOTFS_PROPAGATIONS)[number];
  maskedPaths?: string[];
  readonlyPaths?: string[];
  mountLabel?: string;
  personality?: LinuxPersonality;
}

// --- runtime.md, config-linux.md#the-container-process-state -------------------------------------

/** runtime.md#state. `status` MAY be a runtime-defined value beyond the spec's four. */
export interface State {
  ociVersion: string;
  id: string;
  status: ContainerStatus | (string & {});
  /** REQUIRED on Linux when status is created or running. */
  pid?: number;
  bundle: string;
  annotations?: Record<string, string>;
}

/** config-linux.md#the-container-process-state: what a seccomp agent receives over listenerPath. */
export interface ContainerProcessState {
  ociVersion: string;
  fds?: string[];
  pid: number;
  metadata?: string;
  state: State;
}

// --- features.md, features-linux.md ----------------------------------------------------------------

/** features-linux.md; every property MAY be absent or null. */
export interface LinuxFeatures {
  namespaces?: string[] | null;
  capabilities?: string[] | null;
  cgroup?: {
    v1?: boolean | null;
    v2?: boolean | null;
    systemd?: boolean | null;
    systemdUser?: boolean | null;
    rdma?: boolean | null;
  } | null;
  seccomp?: {
    enabled?: boolean | null;
    actions?: string[] | null;
    operators?: string[] | null;
    archs?: string[] | null;
    knownFlags?: string[] | null;
    supportedFlags?: string[] | null;
  } | null;
  apparmor?: { enabled?: boolean | null } | null;
  selinux?: { enabled?: boolean | null } | null;
  intelRdt?: { enabled?: boolean | null; schemata?: boolean | null; monitoring?: boolean | null } | null;
  memoryPolicy?: { modes?: string[] | null; flags?: string[] | null } | null;
  mountExtensions?: { idmap?: { enabled?: boolean | null } | null } | null;
  netDevices?: { enabled?: boolean | null } | null;
}

/** features.md: what a runtime says it implements (`hull-runtime features`). */
export interface Features {
  ociVersionMin: string;
  ociVersionMax: string;
  hooks?: HookName[] | null;
  mountOptions?: string[] | null;
  linux?: LinuxFeatures | null;
  annotations?: Record<string, string> | null;
  potentiallyUnsafeConfigAnnotations?: string[] | null;
}
