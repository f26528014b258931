/**
 * Hybrid hosts (systemd's layout): v1 hierarchies under /sys/fs/cgroup plus cgroup2 at
 * /sys/fs/cgroup/unified, usually with no controllers on it.
 *
 * What runc 1.1 does there, and hull copies: every v1 hierarchy gets the container's directory,
 * and the unified hierarchy gets one too (`paths['']`) which the process also joins, so
 * /proc/PID/cgroup reads `0::/<path>` alongside the v1 lines; it is removed with the others.
 * The unified path is the runtime's own unified cgroup joined with a relative cgroupsPath (runc's
 * v1 driver), not its parent as on pure v2. Limits go to v1; pause uses the v1 freezer.
 *
 * Where hull goes further than runc (which refuses `unified` on hybrid hosts):
 * - `linux.resources.unified` keys are written to the unified directory, after enabling their
 *   controllers there (config-linux.md#unified: the runtime MUST enable what is needed, and error
 *   when it cannot).
 * - A v1 setting whose v1 controller is not mounted, but whose controller is available on the
 *   unified hierarchy (e.g. hugetlb left to cgroup2), is converted and applied there, which
 *   config-linux.md#unified allows ("the runtime MAY attempt a conversion").
 */
import { posix } from 'node:path';
import type { LinuxResources } from '../../oci/runtime/types.js';
import { cgRead, cgReadKeyed, cgWrite } from './fs.js';
import type { CgroupManagerOptions, FreezerState } from './manager.js';
import type { CgroupMode, CgroupMount } from './mode.js';
import { hierarchyDir, readOwnCgroups } from './paths.js';
import { CgroupV1Manager } from './v1.js';
import { enableControllers } from './v2.js';
import { applyV2Resources, v2ControllersFor } from './v2-resources.js';

export class HybridManager extends CgroupV1Manager {
  override readonly mode: CgroupMode = 'hybrid';
  private readonly unifiedMount: string;
  private availableV2: Set<string> | undefined;

  constructor(opts: CgroupManagerOptions, hierarchies: Map<string, CgroupMount>, unified: CgroupMount) {
    super(opts, hierarchies);
    const own = this.inner.relative ? readOwnCgroups(opts.procSelfCgroup).get('') : undefined;
    const dir = hierarchyDir(unified.mountPoint, unified.root, this.inner, own);
    this.unifiedMount = unified.mountPoint;
    this.paths[''] = dir;
    this.mountOf.set(dir, unified.mountPoint);
  }

  private get unifiedDir(): string {
    return this.paths[''] ?? '';
  }

  /** Controllers the unified hierarchy can take (those not bound to a v1 hierarchy). Read once. */
  private available(): Set<string> {
    this.availableV2 ??= new Set((cgRead(this.unifiedMount, 'cgroup.controllers') ?? '').split(/\s+/).filter(Boolean));
    return this.availableV2;
  }

  protected override applyV1(r: LinuxResources): void {
    const v1: LinuxResources = { ...r };
    const v2: LinuxResources = {};
    delete v1.unified;
    if (r.unified && Object.keys(r.unified).length) v2.unified = r.unified;
    const toV2 = (v1ctl: string, v2ctl: string) => !this.paths[v1ctl] && this.available().has(v2ctl);
    if (r.memory && toV2('memory', 'memory')) [v2.memory, v1.memory] = [r.memory, undefined];
    if (r.pids && toV2('pids', 'pids')) [v2.pids, v1.pids] = [r.pids, undefined];
    if (r.blockIO && toV2('blkio', 'io')) [v2.blockIO, v1.blockIO] = [r.blockIO, undefined];
    if (r.hugepageLimits && toV2('hugetlb', 'hugetlb'))
      [v2.hugepageLimits, v1.hugepageLimits] = [r.hugepageLimits, undefined];
    if (r.rdma && toV2('rdma', 'rdma')) [v2.rdma, v1.rdma] = [r.rdma, undefined];
    if (r.cpu) {
      const { cpus, mems, ...sched } = r.cpu;
      const setCpu = Object.values(sched).some((v) => v !== undefined);
      const cpuTo2 = setCpu && toV2('cpu', 'cpu');
      const setSet = cpus !== undefined || mems !== undefined;
      const setTo2 = setSet && toV2('cpuset', 'cpuset');
      if (cpuTo2 || setTo2) {
        v2.cpu = { ...(cpuTo2 ? sched : {}), ...(setTo2 ? { cpus, mems } : {}) };
        v1.cpu = { ...(cpuTo2 ? {} : sched), ...(setTo2 ? {} : { cpus, mems }) };
      }
    }
    super.applyV1(v1);
    if (Object.keys(v2).length === 0) return;
    const avail = this.available();
    const wanted = [...v2ControllersFor(v2)].filter((c) => avail.has(c));
    // A controller that cannot be enabled shows up as a missing file on the write below, which
    // names the config field; so failures to enable are not fatal here.
    enableControllers(this.unifiedMount, this.unifiedDir, wanted);
    applyV2Resources(this.unifiedDir, v2, this.warn);
  }

  override freeze(): void {
    if (this.paths.freezer) super.freeze();
    else cgWrite(this.unifiedDir, 'cgroup.freeze', '1');
  }

  override thaw(): void {
    if (this.paths.freezer) super.thaw();
    else cgWrite(this.unifiedDir, 'cgroup.freeze', '0');
  }

  override state(): FreezerState {
    if (this.paths.freezer) return super.state();
    return cgReadKeyed(this.unifiedDir, 'cgroup.events')?.frozen === 1 ? 'frozen' : 'thawed';
  }

  override killAll(signal: NodeJS.Signals | number = 'SIGKILL'): void {
    // Every container process is in the unified cgroup too, so cgroup.kill (5.14+) reaches all
    // of them atomically; the v1 freeze-signal-thaw still runs for older kernels.
    if (signal === 'SIGKILL' || signal === 9) {
      try {
        cgWrite(this.unifiedDir, 'cgroup.kill', '1');
      } catch {
        // no cgroup.kill: the v1 path below does the work
      }
    }
    super.killAll(signal);
  }

  /** The unified dir, for callers (hull-init) that want the v2 path on a hybrid host. */
  unifiedPath(): string {
    return posix.normalize(this.unifiedDir);
  }
}
