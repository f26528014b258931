/**
 * The contract every cgroup manager of hull-runtime keeps, whatever the host's layout
 * (config-linux.md#control-groups). TypeScript decides and writes limits; joining the container
 * process happens either through `join(pid)` or by the C side writing the pid to the
 * `cgroup.procs` of each entry of `paths` before the process runs user code.
 */
import type { LinuxResources } from '../../oci/runtime/types.js';
import type { DeviceRule } from './convert.js';
import type { CgroupMode } from './mode.js';

export type FreezerState = 'frozen' | 'thawed';

/** Resource use read back from the control files; absent members mean "not available here". */
export interface CgroupStats {
  cpu?: {
    usageNs?: number;
    userNs?: number;
    systemNs?: number;
    periods?: number;
    throttledPeriods?: number;
    throttledNs?: number;
  };
  memory?: {
    usage?: number;
    maxUsage?: number;
    /** -1 when unlimited. */
    limit?: number;
    swapUsage?: number;
    failcnt?: number;
    oomKills?: number;
    stat?: Record<string, number>;
  };
  pids?: { current?: number; limit?: number };
  hugetlb?: Record<string, { usage?: number; maxUsage?: number; failcnt?: number }>;
}

export interface CgroupManager {
  readonly mode: CgroupMode;
  /** Controller (`memory`, `name=systemd`, ...) → directory; `''` is the unified (v2) directory. */
  readonly paths: Record<string, string>;
  /** Directories this manager made, top-down, so rollback/destroy remove only those parents. */
  readonly created: readonly string[];
  /** Make the cgroup directories (and on v1 seed cpuset); rolls back what it made on failure. */
  create(): void;
  /** Write `linux.resources`. On failure before any pid joined, removes what create() made. */
  apply(resources: LinuxResources): void;
  /** Move a process (all its threads) into the container's cgroups. */
  join(pid: number): void;
  /** Every process in the container's cgroup and its sub-cgroups. */
  pids(): number[];
  /** runtime.md has no pause, but `hull-runtime pause` follows runc: freeze the cgroup. */
  freeze(): void;
  thaw(): void;
  state(): FreezerState;
  stats(): CgroupStats;
  /** Signal every process, frozen first so none can fork away from the signal. */
  killAll(signal?: NodeJS.Signals | number): void;
  /** Remove the cgroup (and sub-cgroups) once no process is left; retries EBUSY briefly. */
  destroy(): void;
  /**
   * The device rules with defaults filled in. On v1 they are written to devices.allow/deny by
   * apply(); on v2 there is no file to write: hull-init attaches a BPF_PROG_TYPE_CGROUP_DEVICE
   * program built from this list (in order, last match wins as on v1).
   */
  deviceRules(resources: LinuxResources): DeviceRule[];
}

export interface CgroupManagerOptions {
  id: string;
  /** `linux.cgroupsPath`. */
  cgroupsPath?: string;
  /** Where the hierarchies are mounted; tests point this at a fake tree. */
  root?: string;
  /** Skip detection (tests, or a runtime that already knows). */
  mode?: CgroupMode;
  /** For relative cgroupsPath; defaults to /proc/self/cgroup. */
  procSelfCgroup?: string;
  mountinfo?: string;
  /** Directories a previous run of the runtime created (from its state), for destroy(). */
  created?: string[];
  /** Where non-fatal notices go (deprecated or ignored settings); default: process.emitWarning. */
  warn?: (message: string) => void;
}

/** A value beyond 2^62 on v1 (PAGE_COUNTER_MAX scaled) means "unlimited". */
export function unlimitedToMinusOne(n: number | undefined): number | undefined {
  return n !== undefined && n >= 2 ** 62 ? -1 : n;
}
