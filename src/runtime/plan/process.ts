/**
 * config.md#process → the ops that shape the user process: rlimits (config.md#posix-process),
 * user and groups (config.md#posix-platform-user), umask, cwd, environment and argv.
 */
import { HullError } from '../../errors.js';
import type { Hook, POSIXRlimit, Process } from '../../oci/runtime/types.js';
import type { PlanOp } from './ops.js';

/** getrlimit(2) resource numbers (asm-generic/resource.h, x86_64 and aarch64 alike). */
export const RLIMITS: Record<string, number> = {
  RLIMIT_CPU: 0,
  RLIMIT_FSIZE: 1,
  RLIMIT_DATA: 2,
  RLIMIT_STACK: 3,
  RLIMIT_CORE: 4,
  RLIMIT_RSS: 5,
  RLIMIT_NPROC: 6,
  RLIMIT_NOFILE: 7,
  RLIMIT_MEMLOCK: 8,
  RLIMIT_AS: 9,
  RLIMIT_LOCKS: 10,
  RLIMIT_SIGPENDING: 11,
  RLIMIT_MSGQUEUE: 12,
  RLIMIT_NICE: 13,
  RLIMIT_RTPRIO: 14,
  RLIMIT_RTTIME: 15,
};

const RLIM_INFINITY = 2n ** 64n - 1n;

function rlimValue(n: number): bigint {
  return n >= 2 ** 64 - 1 ? RLIM_INFINITY : BigInt(Math.trunc(n));
}

export function planRlimits(rlimits: readonly POSIXRlimit[] | undefined): PlanOp[] {
  return (rlimits ?? []).map((r, i) => {
    const resource = RLIMITS[r.type];
    if (resource === undefined) {
      // config.md#posix-process: "the runtime MUST generate an error for any values which cannot be mapped".
      throw new HullError('INVALID', `$.process.rlimits[${i}].type: ${r.type} is not a resource of this platform`, {
        jsonPath: `$.process.rlimits[${i}].type`,
        section: 'runtime-spec/config.md#posix-process',
      });
    }
    return { op: 'rlimit', resource, name: r.type, soft: rlimValue(r.soft), hard: rlimValue(r.hard) };
  });
}

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The environment the process gets: config's env, plus HOME when unset (as runc does). */
export function processEnv(p: Process, home: string | undefined): string[] {
  const env = [...(p.env ?? [])];
  if (!env.some((e) => e.startsWith('HOME='))) env.push(`HOME=${home ?? '/'}`);
  return env;
}

export function pathOf(env: readonly string[]): string {
  const p = [...env].reverse().find((e) => e.startsWith('PATH='));
  return p ? p.slice(5) : DEFAULT_PATH;
}

export function planUser(p: Process): PlanOp {
  const groups = [...new Set(p.user.additionalGids ?? [])];
  return { op: 'setuser', uid: p.user.uid, gid: p.user.gid, groups };
}

export function planHooks(stage: 'createContainer' | 'startContainer', hooks: readonly Hook[] | undefined): PlanOp[] {
  return (hooks ?? []).map((h) => ({
    op: 'hook',
    stage,
    path: h.path,
    args: h.args ?? [h.path],
    env: h.env ?? [],
    timeout: h.timeout ?? 0,
  }));
}
