/**
 * cgroup v1 manager: one directory per mounted hierarchy (config-linux.md#control-groups), as
 * runc's cgroupfs driver does, including named hierarchies such as `name=systemd` (joined, no
 * limits) so tools that read a process's systemd cgroup see the container.
 */
import { dirname, relative } from 'node:path';
import { HullError } from '../../errors.js';
import type { LinuxResources } from '../../oci/runtime/types.js';
import { type DeviceRule, normalizeDeviceRules } from './convert.js';
import {
  cgAllPids,
  cgRead,
  cgReadInt,
  cgReadKeyed,
  cgWrite,
  mkdirTracked,
  removeCgroupTree,
  removeCreated,
  SECTION,
  signalPids,
  sleepMs,
} from './fs.js';
import {
  type CgroupManager,
  type CgroupManagerOptions,
  type CgroupStats,
  type FreezerState,
  unlimitedToMinusOne,
} from './manager.js';
import type { CgroupMode, CgroupMount } from './mode.js';
import { cgroupInnerPath, hierarchyDir, type InnerPath, readOwnCgroups } from './paths.js';
import {
  applyV1BlockIO,
  applyV1Cpu,
  applyV1Devices,
  applyV1Hugetlb,
  applyV1Memory,
  applyV1Network,
  applyV1Pids,
  applyV1Rdma,
  type DirFor,
  type Warn,
} from './v1-resources.js';

/** USER_HZ is 100 on every Linux ABI hull targets; cpuacct.stat counts in it. */
const NS_PER_TICK = 10_000_000;
const FREEZE_TIMEOUT_MS = 2000;

export class CgroupV1Manager implements CgroupManager {
  readonly mode: CgroupMode = 'v1';
  readonly paths: Record<string, string> = {};
  readonly created: string[];
  protected readonly inner: InnerPath;
  protected readonly warn: Warn;
  /** mount point per directory, to know where mkdir -p starts. */
  protected readonly mountOf = new Map<string, string>();
  protected joined = false;

  constructor(opts: CgroupManagerOptions, hierarchies: Map<string, CgroupMount>) {
    this.inner = cgroupInnerPath(opts.id, opts.cgroupsPath);
    this.warn = opts.warn ?? ((m) => process.emitWarning(m, 'HullCgroupWarning'));
    this.created = [...(opts.created ?? [])];
    const own = this.inner.relative ? readOwnCgroups(opts.procSelfCgroup) : undefined;
    for (const [ctl, m] of hierarchies) {
      const dir = hierarchyDir(m.mountPoint, m.root, this.inner, own?.get(ctl));
      this.paths[ctl] = dir;
      this.mountOf.set(dir, m.mountPoint);
    }
  }

  /** Each directory once: co-mounted controllers (`cpu,cpuacct`) share one. */
  protected dirs(): string[] {
    return [...new Set(Object.values(this.paths))];
  }

  create(): void {
    try {
      for (const dir of this.dirs()) {
        const base = this.mountOf.get(dir) ?? '/';
        const before = this.created.length;
        mkdirTracked(base, relative(base, dir), this.created);
        if (dir === this.paths.cpuset) this.seedCpuset(this.created.slice(before));
      }
    } catch (err) {
      this.rollback();
      throw err;
    }
  }

  /**
   * A new v1 cpuset cgroup starts with empty cpuset.cpus/mems and refuses tasks (ENOSPC) until
   * they are set, so each directory we made gets its parent's values, top-down (runc
   * cpuset.ensureParent / copyIfNeeded). Only the first parent is read; below it we know.
   */
  private seedCpuset(made: string[]): void {
    let cpus: string | undefined;
    let mems: string | undefined;
    for (const dir of made) {
      if (cpus === undefined || mems === undefined) {
        const parent = dirname(dir);
        cpus = cgRead(parent, 'cpuset.cpus') ?? '';
        mems = cgRead(parent, 'cpuset.mems') ?? '';
      }
      cgWrite(dir, 'cpuset.cpus', cpus);
      cgWrite(dir, 'cpuset.mems', mems);
    }
  }

  protected dirFor: DirFor = (controller, jsonPath) => {
    const dir = this.paths[controller];
    if (dir) return dir;
    throw new HullError(
      'CGROUP_UNSUPPORTED',
      `${jsonPath}: the ${controller} cgroup controller is not mounted on this host (no /sys/fs/cgroup/${controller})`,
      { jsonPath, file: '/proc/self/mountinfo', section: SECTION },
    );
  };

  apply(resources: LinuxResources): void {
    try {
      this.applyV1(resources);
    } catch (err) {
      if (!this.joined) this.rollback();
      throw err;
    }
  }

  protected applyV1(r: LinuxResources): void {
    if (r.unified && Object.keys(r.unified).length) {
      const jsonPath = `$.linux.resources.unified[${JSON.stringify(Object.keys(r.unified)[0])}]`;
      throw new HullError('CGROUP_UNSUPPORTED', `${jsonPath}: unified (cgroup v2) settings on a cgroup v1 host`, {
        jsonPath,
        section: 'runtime-spec/config-linux.md#unified',
      });
    }
    if (r.devices) applyV1Devices(this.dirFor, r.devices);
    if (r.memory) applyV1Memory(this.dirFor, r.memory, this.warn);
    if (r.cpu) applyV1Cpu(this.dirFor, r.cpu);
    applyV1Pids(this.dirFor, r.pids?.limit);
    if (r.blockIO) applyV1BlockIO(this.dirFor, r.blockIO);
    applyV1Hugetlb(this.dirFor, r.hugepageLimits);
    applyV1Network(this.dirFor, r.network);
    applyV1Rdma(this.dirFor, r.rdma);
  }

  /** Remove what create() made; used when create/apply fail before the container exists. */
  protected rollback(): void {
    removeCreated(this.created, new Set());
    this.created.length = 0;
  }

  join(pid: number): void {
    // cpuset first: the other writes cannot fail on it, but a task in an unseeded cpuset can.
    const dirs = this.dirs().sort((a, b) => Number(b === this.paths.cpuset) - Number(a === this.paths.cpuset));
    for (const dir of dirs) cgWrite(dir, 'cgroup.procs', String(pid));
    this.joined = true;
  }

  /** The hierarchy that lists the container's processes: freezer (what pause acts on) first. */
  protected procsDir(): string {
    return this.paths.freezer ?? this.paths.pids ?? this.paths.memory ?? this.dirs()[0] ?? '';
  }

  pids(): number[] {
    return cgAllPids(this.procsDir());
  }

  freeze(): void {
    const dir = this.dirFor('freezer', 'pause');
    cgWrite(dir, 'freezer.state', 'FROZEN');
    // The kernel reports FREEZING until every task stopped; wait for FROZEN like runc.
    const deadline = Date.now() + FREEZE_TIMEOUT_MS;
    let delay = 1;
    while (cgRead(dir, 'freezer.state') !== 'FROZEN') {
      if (Date.now() > deadline) {
        cgWrite(dir, 'freezer.state', 'THAWED');
        throw new HullError('CGROUP_FREEZE', `cannot freeze ${dir}: still FREEZING after ${FREEZE_TIMEOUT_MS}ms`, {
          file: `${dir}/freezer.state`,
          section: SECTION,
        });
      }
      sleepMs(delay);
      delay = Math.min(delay * 2, 20);
    }
  }

  thaw(): void {
    cgWrite(this.dirFor('freezer', 'resume'), 'freezer.state', 'THAWED');
  }

  state(): FreezerState {
    const dir = this.paths.freezer;
    const s = dir ? cgRead(dir, 'freezer.state') : undefined;
    // FREEZING counts as frozen: the request stands and the tasks cannot run user code.
    return s === 'FROZEN' || s === 'FREEZING' ? 'frozen' : 'thawed';
  }

  stats(): CgroupStats {
    const out: CgroupStats = {};
    const acct = this.paths.cpuacct;
    const cpu = this.paths.cpu;
    if (acct || cpu) {
      const st = acct ? cgReadKeyed(acct, 'cpuacct.stat') : undefined;
      const thr = cpu ? cgReadKeyed(cpu, 'cpu.stat') : undefined;
      out.cpu = {
        usageNs: acct ? cgReadInt(acct, 'cpuacct.usage') : undefined,
        userNs: st?.user !== undefined ? st.user * NS_PER_TICK : undefined,
        systemNs: st?.system !== undefined ? st.system * NS_PER_TICK : undefined,
        periods: thr?.nr_periods,
        throttledPeriods: thr?.nr_throttled,
        throttledNs: thr?.throttled_time,
      };
    }
    const mem = this.paths.memory;
    if (mem) {
      const usage = cgReadInt(mem, 'memory.usage_in_bytes');
      const memsw = cgReadInt(mem, 'memory.memsw.usage_in_bytes');
      out.memory = {
        usage,
        maxUsage: cgReadInt(mem, 'memory.max_usage_in_bytes'),
        limit: unlimitedToMinusOne(cgReadInt(mem, 'memory.limit_in_bytes')),
        swapUsage: memsw !== undefined && usage !== undefined ? memsw - usage : undefined,
        failcnt: cgReadInt(mem, 'memory.failcnt'),
        oomKills: cgReadKeyed(mem, 'memory.oom_control')?.oom_kill,
        stat: cgReadKeyed(mem, 'memory.stat'),
      };
    }
    const pids = this.paths.pids;
    if (pids) out.pids = { current: cgReadInt(pids, 'pids.current'), limit: cgReadInt(pids, 'pids.max') };
    return out;
  }

  killAll(signal: NodeJS.Signals | number = 'SIGKILL'): void {
    // Frozen, no process can fork a child the pid list misses; signals are delivered on thaw.
    const canFreeze = this.paths.freezer !== undefined && this.state() === 'thawed';
    if (canFreeze) this.freeze();
    try {
      signalPids(this.pids(), signal);
    } finally {
      if (canFreeze) this.thaw();
    }
  }

  destroy(): void {
    const leaves = this.leafDirs();
    for (const dir of leaves) removeCgroupTree(dir);
    removeCreated(this.created, new Set(leaves));
    this.created.length = 0;
  }

  protected leafDirs(): string[] {
    return this.dirs();
  }

  deviceRules(resources: LinuxResources): DeviceRule[] {
    return normalizeDeviceRules(resources.devices);
  }
}
