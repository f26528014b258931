/**
 * Value conversions between the spec's (v1-shaped) resources and cgroup v2 files, the same
 * formulas runc uses so a config behaves alike under either runtime, plus the device-rule
 * normalisation the v1 writer and the future BPF device filter share.
 */
import { HullError } from '../../errors.js';
import type { LinuxDeviceCgroup } from '../../oci/runtime/types.js';
import { SECTION } from './fs.js';

/** cpu.shares [2, 262144] → cpu.weight [1, 10000] (runc ConvertCPUSharesToCgroupV2Value). */
export function sharesToWeight(shares: number): number {
  if (shares === 0) return 0;
  return 1 + Math.floor(((shares - 2) * 9999) / 262142);
}

/** blkio.weight [10, 1000] → io.weight [1, 10000] (runc ConvertBlkIOToIOWeightValue). */
export function blkioToIoWeight(weight: number): number {
  if (weight === 0) return 0;
  return 1 + Math.floor(((weight - 10) * 9999) / 990);
}

/**
 * memory.swap (memory+swap on v1) → memory.swap.max (swap alone on v2), runc
 * ConvertMemorySwapToCgroupV2Value. Returns undefined for "leave unset" and -1 for `max`.
 */
export function swapToV2(swap: number | undefined, limit: number | undefined): number | undefined {
  const mem = limit ?? 0;
  const sw = swap ?? 0;
  // Unlimited memory with swap unset means unlimited both, as on v1.
  if (mem === -1 && sw === 0) return -1;
  if (sw === -1) return -1;
  if (sw === 0) return undefined;
  const jsonPath = '$.linux.resources.memory.swap';
  if (mem === 0 || mem === -1) {
    throw new HullError('CGROUP_VALUE_INVALID', `${jsonPath}: a swap limit needs a memory limit on cgroup v2`, {
      jsonPath,
      section: `${SECTION}`,
    });
  }
  if (sw < mem) {
    throw new HullError('CGROUP_VALUE_INVALID', `${jsonPath}: memory+swap (${sw}) is below memory.limit (${mem})`, {
      jsonPath,
      section: 'runtime-spec/config-linux.md#memory',
    });
  }
  return sw - mem;
}

/** `-1` (or any negative) is the spec's "unlimited"; v2 spells it `max`. */
export function v2Limit(n: number): string {
  return n < 0 ? 'max' : String(n);
}

/** `<size><unit>B` as in config-linux.md#huge-page-limits; the kernel file names use it verbatim. */
export function checkPageSize(pageSize: string, jsonPath: string): string {
  if (!/^[1-9][0-9]*[KMG]B$/.test(pageSize)) {
    throw new HullError('CGROUP_VALUE_INVALID', `${jsonPath}: page size ${JSON.stringify(pageSize)} is not like 2MB`, {
      jsonPath,
      section: 'runtime-spec/config-linux.md#huge-page-limits',
    });
  }
  return pageSize;
}

/** A device rule with the spec's defaults filled in (config-linux.md#allowed-device-list). */
export interface DeviceRule {
  allow: boolean;
  /** `a` all, `c` char, `b` block. */
  type: 'a' | 'b' | 'c';
  /** -1 is the wildcard (`*`). */
  major: number;
  minor: number;
  /** Some of `rwm`, in that order. */
  access: string;
}

export function normalizeDeviceRules(rules: LinuxDeviceCgroup[] | undefined): DeviceRule[] {
  return (rules ?? []).map((r, i) => {
    const access = r.access ?? 'rwm';
    if (!/^[rwm]{1,3}$/.test(access) || new Set(access).size !== access.length) {
      const jsonPath = `$.linux.resources.devices[${i}].access`;
      throw new HullError('CGROUP_VALUE_INVALID', `${jsonPath}: ${JSON.stringify(access)} is not a mix of r, w, m`, {
        jsonPath,
        section: 'runtime-spec/config-linux.md#allowed-device-list',
      });
    }
    return {
      allow: r.allow,
      type: r.type ?? 'a',
      major: r.major ?? -1,
      minor: r.minor ?? -1,
      access: ['r', 'w', 'm'].filter((c) => access.includes(c)).join(''),
    };
  });
}

/** The v1 devices.allow / devices.deny line, e.g. `c 1:3 rwm` or `a *:* rwm`. */
export function deviceRuleLine(r: DeviceRule): string {
  const n = (x: number) => (x < 0 ? '*' : String(x));
  return `${r.type} ${n(r.major)}:${n(r.minor)} ${r.access}`;
}

/**
 * The devices every container gets besides its configured rules (config-linux.md#default-devices
 * plus /dev/pts and /dev/ptmx, the list runc's specconv allows). The runtime appends these to
 * `linux.resources.devices` before apply; the manager itself applies only what it is given.
 */
export const DEFAULT_DEVICE_RULES: readonly DeviceRule[] = [
  { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }, // /dev/null
  { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' }, // /dev/zero
  { allow: true, type: 'c', major: 1, minor: 7, access: 'rwm' }, // /dev/full
  { allow: true, type: 'c', major: 5, minor: 0, access: 'rwm' }, // /dev/tty
  { allow: true, type: 'c', major: 1, minor: 9, access: 'rwm' }, // /dev/urandom
  { allow: true, type: 'c', major: 1, minor: 8, access: 'rwm' }, // /dev/random
  { allow: true, type: 'c', major: 136, minor: -1, access: 'rwm' }, // /dev/pts/*
  { allow: true, type: 'c', major: 5, minor: 2, access: 'rwm' }, // /dev/ptmx
];
