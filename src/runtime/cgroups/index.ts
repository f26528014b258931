/**
 * Cgroup managers of hull-runtime (config-linux.md#control-groups): pick the one matching the
 * host's layout and hand it the container's id and `linux.cgroupsPath`.
 */

import { HybridManager } from './hybrid.js';
import type { CgroupManager, CgroupManagerOptions } from './manager.js';
import { modeFromMounts, readCgroupMounts, v1Hierarchies } from './mode.js';
import { CgroupV1Manager } from './v1.js';
import { CgroupV2Manager } from './v2.js';

export { DEFAULT_DEVICE_RULES, type DeviceRule, normalizeDeviceRules, sharesToWeight } from './convert.js';
export type { CgroupManager, CgroupManagerOptions, CgroupStats, FreezerState } from './manager.js';
export { type CgroupMode, detectCgroupMode } from './mode.js';
export { cgroupInnerPath } from './paths.js';
export { CgroupV1Manager, CgroupV2Manager, HybridManager };

export function createCgroupManager(opts: CgroupManagerOptions): CgroupManager {
  const root = (opts.root ?? '/sys/fs/cgroup').replace(/\/+$/, '');
  // v2 needs nothing from mountinfo, so a known v2 host (or a test's fake tree) skips reading it.
  if (opts.mode === 'v2') return new CgroupV2Manager({ ...opts, root });
  const mounts = readCgroupMounts(opts.mountinfo);
  const mode = opts.mode ?? modeFromMounts(mounts, root);
  if (mode === 'v2') return new CgroupV2Manager({ ...opts, root });
  const hierarchies = v1Hierarchies(mounts, root);
  if (mode === 'v1') return new CgroupV1Manager(opts, hierarchies);
  const unified = mounts.find((m) => m.fsType === 'cgroup2' && m.mountPoint === `${root}/unified`);
  if (!unified) return new CgroupV1Manager(opts, hierarchies);
  return new HybridManager(opts, hierarchies, unified);
}
