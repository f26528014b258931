/**
 * config-linux.md#seccomp → libseccomp calls. Actions become their kernel return values
 * (SECCOMP_RET_*, which libseccomp's SCMP_ACT_* macros expand to), errnoRet defaulting to EPERM
 * as the spec says; architectures become libseccomp's names (seccomp_arch_resolve_name), and
 * syscalls stay names: hull-init resolves them for the running kernel and skips unknown ones
 * (runc does the same, so one profile serves several kernels).
 */
import type { LinuxSeccomp, LinuxSeccompArg, SeccompAction, SeccompOperator } from '../../oci/runtime/types.js';
import type { PlanOp } from './ops.js';

const EPERM = 1;

export function seccompAction(action: SeccompAction, errnoRet: number | undefined): number {
  switch (action) {
    case 'SCMP_ACT_KILL':
    case 'SCMP_ACT_KILL_THREAD':
      return 0;
    case 'SCMP_ACT_KILL_PROCESS':
      return 0x80000000;
    case 'SCMP_ACT_TRAP':
      return 0x00030000;
    case 'SCMP_ACT_ERRNO':
      return (0x00050000 | ((errnoRet ?? EPERM) & 0xffff)) >>> 0;
    case 'SCMP_ACT_TRACE':
      return (0x7ff00000 | ((errnoRet ?? EPERM) & 0xffff)) >>> 0;
    case 'SCMP_ACT_LOG':
      return 0x7ffc0000;
    case 'SCMP_ACT_ALLOW':
      return 0x7fff0000;
    case 'SCMP_ACT_NOTIFY':
      return 0x7fc00000;
  }
}

/** enum scmp_compare in seccomp.h. */
const OPERATORS: Record<SeccompOperator, number> = {
  SCMP_CMP_NE: 1,
  SCMP_CMP_LT: 2,
  SCMP_CMP_LE: 3,
  SCMP_CMP_EQ: 4,
  SCMP_CMP_GE: 5,
  SCMP_CMP_GT: 6,
  SCMP_CMP_MASKED_EQ: 7,
};

/** SCMP_ARCH_X86_64 → x86_64 (the names seccomp_arch_resolve_name knows). */
export function archName(arch: string): string {
  return arch.replace(/^SCMP_ARCH_/, '').toLowerCase();
}

function u64(n: number | undefined): bigint {
  if (n === undefined) return 0n;
  // JSON numbers past 2^53 are already rounded; clamp to the u64 range.
  if (n >= 2 ** 64) return 2n ** 64n - 1n;
  return BigInt(Math.trunc(n));
}

function conditions(args: readonly LinuxSeccompArg[]) {
  return args.map((a) => ({ index: a.index, op: OPERATORS[a.op], value: u64(a.value), valueTwo: u64(a.valueTwo) }));
}

export function planSeccomp(s: LinuxSeccomp): { build: PlanOp[]; notify: boolean } {
  const build: PlanOp[] = [
    {
      op: 'seccomp_init',
      defaultAction: seccompAction(s.defaultAction, s.defaultErrnoRet),
      flags: [...(s.flags ?? [])],
    },
  ];
  for (const a of s.architectures ?? []) build.push({ op: 'seccomp_arch', arch: archName(a) });
  let notify = s.defaultAction === 'SCMP_ACT_NOTIFY';
  for (const sc of s.syscalls ?? []) {
    const action = seccompAction(sc.action, sc.errnoRet);
    if (sc.action === 'SCMP_ACT_NOTIFY') notify = true;
    const args = sc.args ?? [];
    // libseccomp refuses two comparisons of one argument in a rule; like runc, such a list
    // becomes one rule per comparison (any of them matches).
    const indexes = args.map((a) => a.index);
    const split = new Set(indexes).size !== indexes.length;
    for (const name of sc.names) {
      if (split) for (const a of args) build.push({ op: 'seccomp_rule', syscall: name, action, args: conditions([a]) });
      else build.push({ op: 'seccomp_rule', syscall: name, action, args: conditions(args) });
    }
  }
  return { build, notify };
}
