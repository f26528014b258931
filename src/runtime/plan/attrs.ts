/**
 * The process attributes of config.md#linux-process and config-linux.md that are one syscall
 * each in hull-init (native/hull-init/attrs.c): time offsets, execCPUAffinity, personality,
 * ioPriority, scheduler, the session keyring and AppArmor; and the fields hull-runtime cannot
 * honour on this host, which are errors naming their JSON path (runtime.md#errors: a runtime
 * MUST NOT silently ignore what it was asked to do).
 */
import { existsSync, readFileSync } from 'node:fs';
import { HullError } from '../../errors.js';
import type { CPUAffinity, IOPriority, Linux, LinuxPersonality, Process, Scheduler } from '../../oci/runtime/types.js';
import type { PlanOp } from './ops.js';

const LINUX_PROCESS = 'runtime-spec/config.md#linux-process';

/** config-linux.md#time-offsets → /proc/PID/timens_offsets lines (time_namespaces(7)). */
export function timeOffsetsText(offsets: Linux['timeOffsets']): string {
  return Object.entries(offsets ?? {})
    .map(([clock, o]) => `${clock} ${o?.secs ?? 0} ${o?.nanosecs ?? 0}\n`)
    .join('');
}

/** "0-3,7" → [0, 1, 2, 3, 7] (config.md#linux-process execCPUAffinity). */
export function cpuList(list: string, jsonPath: string): number[] {
  const out = new Set<number>();
  for (const part of list.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    const lo = Number(m?.[1]);
    const hi = m?.[2] === undefined ? lo : Number(m[2]);
    if (!m || hi < lo || hi >= 8192) {
      throw new HullError('INVALID', `${jsonPath}: ${JSON.stringify(list)} is not a CPU list such as 0-3,7`, {
        jsonPath,
        section: LINUX_PROCESS,
      });
    }
    for (let c = lo; c <= hi; c++) out.add(c);
  }
  return [...out].sort((a, b) => a - b);
}

/** execCPUAffinity: `initial` runs before the cgroup join (before the fork), `final` after. */
export function affinityOps(a: CPUAffinity | undefined, jsonPath: string): { initial?: PlanOp; final?: PlanOp } {
  return {
    ...(a?.initial ? { initial: { op: 'cpu_affinity', cpus: cpuList(a.initial, `${jsonPath}.initial`) } } : {}),
    ...(a?.final ? { final: { op: 'cpu_affinity', cpus: cpuList(a.final, `${jsonPath}.final`) } } : {}),
  };
}

/** personality(2): PER_LINUX 0, PER_LINUX32 8 (config-linux.md#personality: no flags defined). */
export function personalityOp(p: LinuxPersonality): PlanOp {
  if (p.flags?.length) {
    throw new HullError('INVALID', '$.linux.personality.flags: no personality flags are defined by the spec', {
      jsonPath: '$.linux.personality.flags',
      section: 'runtime-spec/config-linux.md#personality',
    });
  }
  return { op: 'personality', persona: p.domain === 'LINUX32' ? 0x0008 : 0, domain: p.domain };
}

const IOPRIO_CLASS = { IOPRIO_CLASS_RT: 1, IOPRIO_CLASS_BE: 2, IOPRIO_CLASS_IDLE: 3 } as const;

export function ioPriorityOp(io: IOPriority): PlanOp {
  if (!Number.isInteger(io.priority) || io.priority < 0 || io.priority > 7) {
    throw new HullError('INVALID', `$.process.ioPriority.priority: ${io.priority} is not 0..7`, {
      jsonPath: '$.process.ioPriority.priority',
      section: LINUX_PROCESS,
    });
  }
  return { op: 'ioprio', value: (IOPRIO_CLASS[io.class] << 13) | io.priority };
}

const SCHED_POLICY = {
  SCHED_OTHER: 0,
  SCHED_FIFO: 1,
  SCHED_RR: 2,
  SCHED_BATCH: 3,
  SCHED_ISO: 4,
  SCHED_IDLE: 5,
  SCHED_DEADLINE: 6,
} as const;

const SCHED_FLAG = {
  SCHED_FLAG_RESET_ON_FORK: 0x01,
  SCHED_FLAG_RECLAIM: 0x02,
  SCHED_FLAG_DL_OVERRUN: 0x04,
  SCHED_FLAG_KEEP_POLICY: 0x08,
  SCHED_FLAG_KEEP_PARAMS: 0x10,
  SCHED_FLAG_UTIL_CLAMP_MIN: 0x20,
  SCHED_FLAG_UTIL_CLAMP_MAX: 0x40,
} as const;

export function schedulerOp(s: Scheduler): PlanOp {
  const realtime = s.policy === 'SCHED_FIFO' || s.policy === 'SCHED_RR';
  if (!realtime && s.priority) {
    // sched(7): only the real-time policies take a static priority; the kernel says EINVAL.
    throw new HullError('INVALID', `$.process.scheduler.priority: must be 0 for ${s.policy}`, {
      jsonPath: '$.process.scheduler.priority',
      section: LINUX_PROCESS,
    });
  }
  return {
    op: 'scheduler',
    policy: SCHED_POLICY[s.policy],
    flags: (s.flags ?? []).reduce((m, f) => m | SCHED_FLAG[f], 0),
    nice: s.nice ?? 0,
    priority: s.priority ?? 0,
    runtime: BigInt(s.runtime ?? 0),
    deadline: BigInt(s.deadline ?? 0),
    period: BigInt(s.period ?? 0),
  };
}

/** The process ops that go right before the capability drop (they may need privileges). */
export function processAttrOps(p: Process, linux: Linux | undefined): PlanOp[] {
  const ops: PlanOp[] = [];
  if (linux?.personality) ops.push(personalityOp(linux.personality));
  if (p.ioPriority) ops.push(ioPriorityOp(p.ioPriority));
  if (p.scheduler) ops.push(schedulerOp(p.scheduler));
  if (p.apparmorProfile) ops.push({ op: 'apparmor', profile: p.apparmorProfile });
  return ops;
}

export function apparmorEnabled(): boolean {
  try {
    return readFileSync('/sys/module/apparmor/parameters/enabled', 'utf8').trim() === 'Y';
  } catch {
    return false;
  }
}

export function selinuxEnabled(): boolean {
  return existsSync('/sys/fs/selinux/enforce');
}

function unsupported(jsonPath: string, why: string, section: string): never {
  throw new HullError('UNSUPPORTED', `${jsonPath}: ${why}`, { jsonPath, section });
}

/**
 * Fields hull-runtime cannot apply. intelRdt, memoryPolicy and netDevices are not implemented;
 * SELinux labels and AppArmor profiles need the host's LSM (features.md says which are on).
 */
export function checkSupported(p: Process | undefined, linux: Linux | undefined, where = '$.process'): void {
  if (linux?.intelRdt)
    unsupported(
      '$.linux.intelRdt',
      'Intel RDT is not supported by hull-runtime',
      'runtime-spec/config-linux.md#intelrdt',
    );
  if (linux?.memoryPolicy)
    unsupported(
      '$.linux.memoryPolicy',
      'memory policies are not supported by hull-runtime',
      'runtime-spec/config-linux.md#memory-policy',
    );
  if (linux?.netDevices && Object.keys(linux.netDevices).length)
    unsupported(
      '$.linux.netDevices',
      'moving network devices is not supported by hull-runtime',
      'runtime-spec/config-linux.md#network-devices',
    );
  if (linux?.mountLabel && !selinuxEnabled())
    unsupported(
      '$.linux.mountLabel',
      'SELinux is not enabled on this host',
      'runtime-spec/config-linux.md#mount-label',
    );
  if (p?.selinuxLabel && !selinuxEnabled())
    unsupported(`${where}.selinuxLabel`, 'SELinux is not enabled on this host', LINUX_PROCESS);
  if ((linux?.mountLabel || p?.selinuxLabel) && selinuxEnabled())
    unsupported(
      p?.selinuxLabel ? `${where}.selinuxLabel` : '$.linux.mountLabel',
      'SELinux labels are not supported by hull-runtime yet',
      LINUX_PROCESS,
    );
  if (p?.apparmorProfile && !apparmorEnabled())
    unsupported(`${where}.apparmorProfile`, 'AppArmor is not enabled on this host', LINUX_PROCESS);
}
