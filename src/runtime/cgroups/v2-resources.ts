/**
 * `linux.resources` → cgroup v2 control files in one directory (config-linux.md, each resources
 * section, with the conversions of convert.ts). Used by the v2 manager and, for controllers that
 * live on the unified hierarchy, by the hybrid manager.
 *
 * Devices are not written here: v2 has no devices.* files, device access is an eBPF program of
 * type BPF_PROG_TYPE_CGROUP_DEVICE attached to the cgroup. hull-init (the C side) builds and
 * attaches it from `deviceRules()` of the manager.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { HullError } from '../../errors.js';
import type { LinuxBlockIO, LinuxCPU, LinuxMemory, LinuxResources } from '../../oci/runtime/types.js';
import { blkioToIoWeight, checkPageSize, sharesToWeight, swapToV2, v2Limit } from './convert.js';
import { cgReadInt, cgWrite } from './fs.js';
import { checkBurst, rdmaLines, type Warn } from './v1-resources.js';

const R = '$.linux.resources';

function unsupported(jsonPath: string, why: string): HullError {
  return new HullError('CGROUP_UNSUPPORTED', `${jsonPath}: ${why}`, {
    jsonPath,
    section: 'runtime-spec/config-linux.md#unified',
  });
}

export function applyV2Memory(dir: string, m: LinuxMemory, warn: Warn): void {
  const J = `${R}.memory`;
  if (m.kernel !== undefined) warn(`${J}.kernel is deprecated and ignored`);
  // v1-only knobs: v2 has no per-cgroup swappiness, no OOM-killer switch, always-hierarchical
  // accounting and tcp memory inside memory.max. Not limits the container relies on, so warn.
  for (const k of ['kernelTCP', 'swappiness', 'disableOOMKiller', 'useHierarchy'] as const) {
    if (m[k] !== undefined) warn(`${J}.${k} has no cgroup v2 equivalent and is ignored`);
  }
  const swap = swapToV2(m.swap, m.limit);
  // runc writes swap first: with memory.max lowered first a large swap use could OOM.
  if (swap !== undefined) cgWrite(dir, 'memory.swap.max', v2Limit(swap), `${J}.swap`);
  if (m.limit !== undefined) {
    if (m.checkBeforeUpdate && m.limit >= 0) {
      // v2 would OOM-kill instead of refusing; the spec says reject, like v1's kernel does.
      const current = cgReadInt(dir, 'memory.current') ?? 0;
      if (m.limit < current) {
        const jsonPath = `${J}.limit`;
        throw new HullError('CGROUP_VALUE_INVALID', `${jsonPath}: ${m.limit} is below current usage ${current}`, {
          jsonPath,
          file: join(dir, 'memory.current'),
          section: 'runtime-spec/config-linux.md#memory',
        });
      }
    }
    cgWrite(dir, 'memory.max', v2Limit(m.limit), `${J}.limit`);
  }
  if (m.reservation !== undefined) cgWrite(dir, 'memory.low', v2Limit(m.reservation), `${J}.reservation`);
}

export function applyV2Cpu(dir: string, c: LinuxCPU): void {
  const J = `${R}.cpu`;
  checkBurst(c);
  if (c.realtimeRuntime !== undefined || c.realtimePeriod !== undefined) {
    const k = c.realtimeRuntime !== undefined ? 'realtimeRuntime' : 'realtimePeriod';
    throw unsupported(`${J}.${k}`, 'cgroup v2 has no real-time group scheduling (cpu.rt_*)');
  }
  if (c.shares !== undefined && c.shares !== 0)
    cgWrite(dir, 'cpu.weight', String(sharesToWeight(c.shares)), `${J}.shares`);
  if (c.idle !== undefined) cgWrite(dir, 'cpu.idle', String(c.idle), `${J}.idle`);
  if (c.quota !== undefined || c.period !== undefined) {
    // cpu.max is "$MAX $PERIOD"; a quota alone keeps the period, a period alone means no quota (runc).
    let s = c.quota !== undefined && c.quota > 0 ? String(c.quota) : 'max';
    if (c.period !== undefined && c.period !== 0) s += ` ${c.period}`;
    cgWrite(dir, 'cpu.max', s, `${J}.${c.quota !== undefined ? 'quota' : 'period'}`);
  }
  if (c.burst !== undefined) cgWrite(dir, 'cpu.max.burst', String(c.burst), `${J}.burst`);
  if (c.cpus !== undefined) cgWrite(dir, 'cpuset.cpus', c.cpus, `${J}.cpus`);
  if (c.mems !== undefined) cgWrite(dir, 'cpuset.mems', c.mems, `${J}.mems`);
}

export function applyV2Pids(dir: string, limit: number | undefined): void {
  if (limit !== undefined) cgWrite(dir, 'pids.max', v2Limit(limit), `${R}.pids.limit`);
}

export function applyV2Io(dir: string, b: LinuxBlockIO, warn: Warn): void {
  const J = `${R}.blockIO`;
  // runc fs2/io.go: BFQ's io.bfq.weight takes blkio's 10..1000 scale and per-device weights;
  // otherwise io.weight with the scale converted.
  const weighted = b.weight !== undefined || (b.weightDevice?.length ?? 0) > 0;
  const bfq = weighted && existsSync(join(dir, 'io.bfq.weight'));
  if (b.weight !== undefined) {
    if (bfq) cgWrite(dir, 'io.bfq.weight', String(b.weight), `${J}.weight`);
    else cgWrite(dir, 'io.weight', String(blkioToIoWeight(b.weight)), `${J}.weight`);
  }
  if (b.leafWeight !== undefined) warn(`${J}.leafWeight has no cgroup v2 equivalent and is ignored`);
  b.weightDevice?.forEach((d, i) => {
    if (d.leafWeight !== undefined)
      warn(`${J}.weightDevice[${i}].leafWeight has no cgroup v2 equivalent and is ignored`);
    if (d.weight === undefined) return;
    const jp = `${J}.weightDevice[${i}].weight`;
    if (bfq) cgWrite(dir, 'io.bfq.weight', `${d.major}:${d.minor} ${d.weight}`, jp);
    else cgWrite(dir, 'io.weight', `${d.major}:${d.minor} ${blkioToIoWeight(d.weight)}`, jp);
  });
  const throttles = [
    ['throttleReadBpsDevice', 'rbps'],
    ['throttleWriteBpsDevice', 'wbps'],
    ['throttleReadIOPSDevice', 'riops'],
    ['throttleWriteIOPSDevice', 'wiops'],
  ] as const;
  for (const [key, name] of throttles) {
    b[key]?.forEach((d, i) => {
      cgWrite(dir, 'io.max', `${d.major}:${d.minor} ${name}=${d.rate}`, `${J}.${key}[${i}].rate`);
    });
  }
}

export function applyV2Hugetlb(dir: string, limits: LinuxResources['hugepageLimits']): void {
  limits?.forEach((h, i) => {
    const J = `${R}.hugepageLimits[${i}]`;
    const size = checkPageSize(h.pageSize, `${J}.pageSize`);
    cgWrite(dir, `hugetlb.${size}.max`, String(h.limit), `${J}.limit`);
    const rsvd = `hugetlb.${size}.rsvd.max`;
    if (existsSync(join(dir, rsvd))) cgWrite(dir, rsvd, String(h.limit), `${J}.limit`);
  });
}

export function applyV2Rdma(dir: string, rdma: LinuxResources['rdma']): void {
  for (const [jp, line] of rdmaLines(rdma)) cgWrite(dir, 'rdma.max', line, jp);
}

/** `unified` keys must name a file in the cgroup's own directory. */
export function unifiedKeyPath(key: string): string {
  return `${R}.unified[${JSON.stringify(key)}]`;
}

export function checkUnifiedKey(key: string): void {
  if (!key || key.includes('/') || key === '.' || key === '..' || key.includes('\0')) {
    throw new HullError('CGROUP_VALUE_INVALID', `${unifiedKeyPath(key)}: not a cgroup file name`, {
      jsonPath: unifiedKeyPath(key),
      section: 'runtime-spec/config-linux.md#unified',
    });
  }
}

/** The controller a unified key belongs to (`io.max` → `io`); `cgroup.*` files need none. */
export function unifiedController(key: string): string | undefined {
  const c = key.split('.')[0];
  return c && c !== 'cgroup' ? c : undefined;
}

/** Written as-is, last, so they override the converted values (config-linux.md#unified, runc). */
export function applyV2Unified(dir: string, unified: LinuxResources['unified']): void {
  for (const [key, value] of Object.entries(unified ?? {})) {
    checkUnifiedKey(key);
    cgWrite(dir, key, value, unifiedKeyPath(key), 'runtime-spec/config-linux.md#unified');
  }
}

/** Network classification is v1-only (net_cls / net_prio); on v2 it is an eBPF matter. */
export function rejectV2Network(n: LinuxResources['network']): void {
  if (!n) return;
  const k = n.classID !== undefined ? 'classID' : 'priorities';
  if (n.classID === undefined && !n.priorities?.length) return;
  throw unsupported(`${R}.network.${k}`, 'net_cls/net_prio exist only on cgroup v1');
}

/** The v2 controllers a resources object needs enabled in the container's cgroup. */
export function v2ControllersFor(r: LinuxResources): Set<string> {
  const out = new Set<string>();
  const m = r.memory;
  if (m && (m.limit !== undefined || m.reservation !== undefined || m.swap !== undefined)) out.add('memory');
  const c = r.cpu;
  if (
    c &&
    (c.shares || c.quota !== undefined || c.period !== undefined || c.burst !== undefined || c.idle !== undefined)
  )
    out.add('cpu');
  if (c && (c.cpus !== undefined || c.mems !== undefined)) out.add('cpuset');
  if (r.pids?.limit !== undefined) out.add('pids');
  if (r.blockIO && Object.keys(r.blockIO).length) out.add('io');
  if (r.hugepageLimits?.length) out.add('hugetlb');
  if (r.rdma && Object.keys(r.rdma).length) out.add('rdma');
  for (const key of Object.keys(r.unified ?? {})) {
    const ctl = unifiedController(key);
    if (ctl) out.add(ctl);
  }
  return out;
}

/** Every group in spec order; `unified` last so its raw values win over converted ones (runc). */
export function applyV2Resources(dir: string, r: LinuxResources, warn: Warn): void {
  rejectV2Network(r.network);
  if (r.memory) applyV2Memory(dir, r.memory, warn);
  if (r.cpu) applyV2Cpu(dir, r.cpu);
  applyV2Pids(dir, r.pids?.limit);
  if (r.blockIO) applyV2Io(dir, r.blockIO, warn);
  applyV2Hugetlb(dir, r.hugepageLimits);
  applyV2Rdma(dir, r.rdma);
  applyV2Unified(dir, r.unified);
}
