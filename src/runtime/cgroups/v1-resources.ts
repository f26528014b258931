/**
 * `linux.resources` → cgroup v1 control files (config-linux.md, each resources section), in the
 * order runc writes them where the kernel cares about order. Each group takes `dirFor`, which
 * maps a controller to its directory or throws the "controller missing" HullError naming the
 * config field, so an unsatisfiable value is reported before anything else is written for it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { HullError, isErrno } from '../../errors.js';
import type { LinuxBlockIO, LinuxCPU, LinuxMemory, LinuxResources } from '../../oci/runtime/types.js';
import { checkPageSize, deviceRuleLine, normalizeDeviceRules } from './convert.js';
import { cgReadInt, cgWrite } from './fs.js';

export type DirFor = (controller: string, jsonPath: string) => string;
export type Warn = (message: string) => void;

const R = '$.linux.resources';

export function applyV1Memory(dirFor: DirFor, m: LinuxMemory, warn: Warn): void {
  const J = `${R}.memory`;
  if (m.kernel !== undefined) {
    // Kernel memory accounting is deprecated (config-linux.md#memory "NOT RECOMMENDED") and
    // memory.kmem.limit_in_bytes is gone from kernel 6.x; runc 1.1 ignores it too.
    warn(`${J}.kernel is deprecated and ignored`);
  }
  const keys = Object.keys(m).filter((k) => k !== 'kernel' && k !== 'checkBeforeUpdate');
  if (keys.length === 0) return;
  const dir = dirFor('memory', `${J}.${keys[0]}`);
  const limit = m.limit;
  let swap = m.swap;
  // runc: unlimited memory with swap unset means unlimited memory+swap too, when swap accounting exists.
  if (limit === -1 && swap === undefined && existsSync(join(dir, 'memory.memsw.limit_in_bytes'))) swap = -1;
  const setLimit = () => limit !== undefined && cgWrite(dir, 'memory.limit_in_bytes', String(limit), `${J}.limit`);
  const setSwap = () => swap !== undefined && cgWrite(dir, 'memory.memsw.limit_in_bytes', String(swap), `${J}.swap`);
  // The kernel keeps limit <= memsw at every moment, so when raising both, memsw goes first.
  if (limit !== undefined && swap !== undefined) {
    const cur = cgReadInt(dir, 'memory.limit_in_bytes') ?? 0;
    if (swap === -1 || cur < swap) {
      setSwap();
      setLimit();
    } else {
      setLimit();
      setSwap();
    }
  } else {
    setLimit();
    setSwap();
  }
  if (m.reservation !== undefined)
    cgWrite(dir, 'memory.soft_limit_in_bytes', String(m.reservation), `${J}.reservation`);
  if (m.kernelTCP !== undefined) cgWrite(dir, 'memory.kmem.tcp.limit_in_bytes', String(m.kernelTCP), `${J}.kernelTCP`);
  if (m.swappiness !== undefined) cgWrite(dir, 'memory.swappiness', String(m.swappiness), `${J}.swappiness`);
  if (m.disableOOMKiller) cgWrite(dir, 'memory.oom_control', '1', `${J}.disableOOMKiller`);
  if (m.useHierarchy !== undefined)
    cgWrite(dir, 'memory.use_hierarchy', m.useHierarchy ? '1' : '0', `${J}.useHierarchy`);
}

export function checkBurst(c: LinuxCPU): void {
  if (c.burst !== undefined && c.quota !== undefined && c.quota > 0 && c.burst > c.quota) {
    const jsonPath = `${R}.cpu.burst`;
    throw new HullError('CGROUP_VALUE_INVALID', `${jsonPath}: burst ${c.burst} is larger than quota ${c.quota}`, {
      jsonPath,
      section: 'runtime-spec/config-linux.md#cpu',
    });
  }
}

export function applyV1Cpu(dirFor: DirFor, c: LinuxCPU): void {
  const J = `${R}.cpu`;
  checkBurst(c);
  const cpuKeys = (['realtimePeriod', 'realtimeRuntime', 'shares', 'period', 'quota', 'burst', 'idle'] as const).filter(
    (k) => c[k] !== undefined,
  );
  if (cpuKeys.length) {
    const dir = dirFor('cpu', `${J}.${cpuKeys[0]}`);
    // Real-time bandwidth first: a SCHED_RR task can only join a group that has RT runtime.
    if (c.realtimePeriod !== undefined)
      cgWrite(dir, 'cpu.rt_period_us', String(c.realtimePeriod), `${J}.realtimePeriod`);
    if (c.realtimeRuntime !== undefined)
      cgWrite(dir, 'cpu.rt_runtime_us', String(c.realtimeRuntime), `${J}.realtimeRuntime`);
    if (c.shares !== undefined) cgWrite(dir, 'cpu.shares', String(c.shares), `${J}.shares`);
    let periodPending = false;
    if (c.period !== undefined) {
      try {
        cgWrite(dir, 'cpu.cfs_period_us', String(c.period), `${J}.period`);
      } catch (err) {
        // runc: a smaller period can be refused (EINVAL) until the new quota is in; retry after it.
        if (c.quota === undefined || !isErrno((err as HullError).cause, 'EINVAL')) throw err;
        periodPending = true;
      }
    }
    if (c.quota !== undefined) {
      cgWrite(dir, 'cpu.cfs_quota_us', String(c.quota), `${J}.quota`);
      if (periodPending) cgWrite(dir, 'cpu.cfs_period_us', String(c.period), `${J}.period`);
    }
    if (c.burst !== undefined) cgWrite(dir, 'cpu.cfs_burst_us', String(c.burst), `${J}.burst`);
    if (c.idle !== undefined) cgWrite(dir, 'cpu.idle', String(c.idle), `${J}.idle`);
  }
  if (c.cpus !== undefined) cgWrite(dirFor('cpuset', `${J}.cpus`), 'cpuset.cpus', c.cpus, `${J}.cpus`);
  if (c.mems !== undefined) cgWrite(dirFor('cpuset', `${J}.mems`), 'cpuset.mems', c.mems, `${J}.mems`);
}

export function applyV1Pids(dirFor: DirFor, limit: number | undefined): void {
  if (limit === undefined) return;
  const J = `${R}.pids.limit`;
  // config-linux.md#pids: -1 is no limit, and 0 is a real limit (unlike runc 1.1, which skips 0).
  cgWrite(dirFor('pids', J), 'pids.max', limit < 0 ? 'max' : String(limit), J);
}

export function applyV1BlockIO(dirFor: DirFor, b: LinuxBlockIO): void {
  const J = `${R}.blockIO`;
  const first = Object.keys(b)[0];
  if (!first) return;
  const dir = dirFor('blkio', `${J}.${first}`);
  // CFQ names the files blkio.weight*, BFQ blkio.bfq.weight* (runc detectWeightFilenames).
  const cfq = existsSync(join(dir, 'blkio.weight'));
  const weightFile = cfq ? 'blkio.weight' : 'blkio.bfq.weight';
  const weightDeviceFile = cfq ? 'blkio.weight_device' : 'blkio.bfq.weight_device';
  if (b.weight !== undefined) cgWrite(dir, weightFile, String(b.weight), `${J}.weight`);
  if (b.leafWeight !== undefined) cgWrite(dir, 'blkio.leaf_weight', String(b.leafWeight), `${J}.leafWeight`);
  b.weightDevice?.forEach((d, i) => {
    const dev = `${d.major}:${d.minor}`;
    if (d.weight !== undefined) cgWrite(dir, weightDeviceFile, `${dev} ${d.weight}`, `${J}.weightDevice[${i}].weight`);
    if (d.leafWeight !== undefined)
      cgWrite(dir, 'blkio.leaf_weight_device', `${dev} ${d.leafWeight}`, `${J}.weightDevice[${i}].leafWeight`);
  });
  const throttles = [
    ['throttleReadBpsDevice', 'blkio.throttle.read_bps_device'],
    ['throttleWriteBpsDevice', 'blkio.throttle.write_bps_device'],
    ['throttleReadIOPSDevice', 'blkio.throttle.read_iops_device'],
    ['throttleWriteIOPSDevice', 'blkio.throttle.write_iops_device'],
  ] as const;
  for (const [key, file] of throttles) {
    b[key]?.forEach((d, i) => {
      cgWrite(dir, file, `${d.major}:${d.minor} ${d.rate}`, `${J}.${key}[${i}].rate`);
    });
  }
}

export function applyV1Hugetlb(dirFor: DirFor, limits: LinuxResources['hugepageLimits']): void {
  limits?.forEach((h, i) => {
    const J = `${R}.hugepageLimits[${i}]`;
    const size = checkPageSize(h.pageSize, `${J}.pageSize`);
    const dir = dirFor('hugetlb', `${J}.limit`);
    cgWrite(dir, `hugetlb.${size}.limit_in_bytes`, String(h.limit), `${J}.limit`);
    // The spec prefers reservation accounting when the kernel has it (config-linux.md#huge-page-limits).
    const rsvd = `hugetlb.${size}.rsvd.limit_in_bytes`;
    if (existsSync(join(dir, rsvd))) cgWrite(dir, rsvd, String(h.limit), `${J}.limit`);
  });
}

export function applyV1Network(dirFor: DirFor, n: LinuxResources['network']): void {
  if (!n) return;
  const J = `${R}.network`;
  if (n.classID !== undefined)
    cgWrite(dirFor('net_cls', `${J}.classID`), 'net_cls.classid', String(n.classID), `${J}.classID`);
  n.priorities?.forEach((p, i) => {
    const jp = `${J}.priorities[${i}]`;
    cgWrite(dirFor('net_prio', jp), 'net_prio.ifpriomap', `${p.name} ${p.priority}`, jp);
  });
}

/** rdma.max lines, the same on v1 and v2. */
export function rdmaLines(rdma: LinuxResources['rdma']): [string, string][] {
  return Object.entries(rdma ?? {}).map(([dev, l]) => {
    let s = dev;
    if (l.hcaHandles !== undefined) s += ` hca_handle=${l.hcaHandles}`;
    if (l.hcaObjects !== undefined) s += ` hca_object=${l.hcaObjects}`;
    return [`${R}.rdma[${JSON.stringify(dev)}]`, s];
  });
}

export function applyV1Rdma(dirFor: DirFor, rdma: LinuxResources['rdma']): void {
  for (const [jp, line] of rdmaLines(rdma)) cgWrite(dirFor('rdma', jp), 'rdma.max', line, jp);
}

/** Rules in the listed order, as config-linux.md#allowed-device-list requires. */
export function applyV1Devices(dirFor: DirFor, devices: LinuxResources['devices']): void {
  normalizeDeviceRules(devices).forEach((r, i) => {
    const jp = `${R}.devices[${i}]`;
    cgWrite(dirFor('devices', jp), r.allow ? 'devices.allow' : 'devices.deny', deviceRuleLine(r), jp);
  });
}
