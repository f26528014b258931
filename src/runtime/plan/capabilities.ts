/**
 * config.md#linux-process `capabilities` → bit masks (capabilities(7) numbering). Names the
 * running kernel does not know (above /proc/sys/kernel/cap_last_cap) or hull does not know are
 * skipped with a warning, as runc does, so a newer config still runs on an older kernel.
 */
import type { LinuxCapabilities } from '../../oci/runtime/types.js';
import type { PlanOp } from './ops.js';

export const CAP_NAMES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
] as const;

export function capMask(
  names: readonly string[] | undefined,
  lastCap: number,
  warn: (m: string) => void,
  where: string,
): bigint {
  let mask = 0n;
  for (const name of names ?? []) {
    const bit = (CAP_NAMES as readonly string[]).indexOf(name);
    if (bit < 0 || bit > lastCap) {
      warn(`${where}: ${name} is not a capability of this kernel, ignored`);
      continue;
    }
    mask |= 1n << BigInt(bit);
  }
  return mask;
}

export function capNames(mask: bigint): string[] {
  return CAP_NAMES.filter((_, i) => (mask >> BigInt(i)) & 1n);
}

/**
 * The capability ops, in the order the kernel requires: drop the bounding set while
 * CAP_SETPCAP is still held, switch user (hull-init keeps capabilities across setuid with
 * PR_SET_KEEPCAPS), set the three sets, then raise ambient (needs them in permitted and
 * inheritable, capabilities(7)).
 */
export function planCapabilities(
  caps: LinuxCapabilities | undefined,
  lastCap: number,
  warn: (m: string) => void,
): { bounding: PlanOp; sets: PlanOp; ambient: PlanOp | undefined } {
  const p = '$.process.capabilities';
  const c = caps ?? {};
  const bounding = capMask(c.bounding, lastCap, warn, `${p}.bounding`);
  const permitted = capMask(c.permitted, lastCap, warn, `${p}.permitted`);
  const inheritable = capMask(c.inheritable, lastCap, warn, `${p}.inheritable`);
  // capabilities(7): an ambient capability must be permitted and inheritable; runc tries the
  // others and only logs, so they are dropped here (quietly, as runc's default spec has them).
  const ambient = capMask(c.ambient, lastCap, warn, `${p}.ambient`) & permitted & inheritable;
  return {
    bounding: { op: 'capbset', keep: bounding, names: capNames(bounding) },
    sets: {
      op: 'capset',
      effective: capMask(c.effective, lastCap, warn, `${p}.effective`),
      permitted,
      inheritable,
    },
    ambient: ambient ? { op: 'ambient', caps: ambient, names: capNames(ambient) } : undefined,
  };
}
