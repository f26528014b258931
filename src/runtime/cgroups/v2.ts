/**
 * cgroup v2 manager: one directory in the unified hierarchy (config-linux.md#control-groups,
 * #unified). Controllers are enabled top-down in each ancestor's cgroup.subtree_control, as runc
 * fs2 CreateCgroupPath does, so the leaf gets every controller the host offers.
 */
import { posix } from 'node:path';
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
import type { CgroupManager, CgroupManagerOptions, CgroupStats, FreezerState } from './manager.js';
import type { CgroupMode } from './mode.js';
import { cgroupInnerPath, readOwnCgroups } from './paths.js';
import type { Warn } from './v1-resources.js';
import { applyV2Resources } from './v2-resources.js';

const FREEZE_TIMEOUT_MS = 2000;

/**
 * Write `+c` for each controller into cgroup.subtree_control of `root` and every directory down to
 * (not including) `leaf`. One write per level when all succeed; if the kernel refuses the batch
 * (e.g. a threaded subtree refuses a domain controller), one write per controller, keeping those
 * that succeed. Returns the controllers that could not be enabled at some level.
 */
export function enableControllers(root: string, leaf: string, controllers: string[]): Set<string> {
  const failed = new Set<string>();
  if (controllers.length === 0) return failed;
  const rel = posix.relative(root, leaf).split('/').filter(Boolean);
  let dir = root;
  for (let i = 0; i < rel.length; i++) {
    const want = controllers.filter((c) => !failed.has(c));
    try {
      cgWrite(dir, 'cgroup.subtree_control', want.map((c) => `+${c}`).join(' '));
    } catch {
      for (const c of want) {
        try {
          cgWrite(dir, 'cgroup.subtree_control', `+${c}`);
        } catch {
          failed.add(c);
        }
      }
    }
    dir = posix.join(dir, rel[i] ?? '');
  }
  return failed;
}

export class CgroupV2Manager implements CgroupManager {
  readonly mode: CgroupMode = 'v2';
  readonly paths: Record<string, string>;
  readonly created: string[];
  protected readonly root: string;
  protected readonly dir: string;
  protected readonly warn: Warn;
  protected joined = false;

  constructor(opts: CgroupManagerOptions, unifiedRoot?: string, parentOfOwn = true) {
    this.root = unifiedRoot ?? opts.root ?? '/sys/fs/cgroup';
    const inner = cgroupInnerPath(opts.id, opts.cgroupsPath);
    let base = '/';
    if (inner.relative) {
      const own = readOwnCgroups(opts.procSelfCgroup).get('') ?? '/';
      // runc fs2: the parent of our own cgroup, which (unlike ours) may enable controllers.
      base = parentOfOwn ? posix.dirname(own) : own;
    }
    this.dir = posix.join(this.root, base, inner.path);
    this.paths = { '': this.dir };
    this.created = [...(opts.created ?? [])];
    this.warn = opts.warn ?? ((m) => process.emitWarning(m, 'HullCgroupWarning'));
  }

  create(): void {
    try {
      mkdirTracked(this.root, posix.relative(this.root, this.dir), this.created);
      const available = (cgRead(this.root, 'cgroup.controllers') ?? '').split(/\s+/).filter(Boolean);
      enableControllers(this.root, this.dir, available);
    } catch (err) {
      this.rollback();
      throw err;
    }
  }

  apply(resources: LinuxResources): void {
    try {
      applyV2Resources(this.dir, resources, this.warn);
    } catch (err) {
      if (!this.joined) this.rollback();
      throw err;
    }
  }

  protected rollback(): void {
    removeCreated(this.created, new Set());
    this.created.length = 0;
  }

  join(pid: number): void {
    cgWrite(this.dir, 'cgroup.procs', String(pid));
    this.joined = true;
  }

  pids(): number[] {
    return cgAllPids(this.dir);
  }

  freeze(): void {
    cgWrite(this.dir, 'cgroup.freeze', '1');
    // cgroup.events says `frozen 1` once every task stopped (kernel cgroup-v2.rst, cgroup.freeze).
    const deadline = Date.now() + FREEZE_TIMEOUT_MS;
    let delay = 1;
    while (cgReadKeyed(this.dir, 'cgroup.events')?.frozen !== 1) {
      if (Date.now() > deadline) {
        cgWrite(this.dir, 'cgroup.freeze', '0');
        throw new HullError('CGROUP_FREEZE', `cannot freeze ${this.dir}: not frozen after ${FREEZE_TIMEOUT_MS}ms`, {
          file: `${this.dir}/cgroup.events`,
          section: SECTION,
        });
      }
      sleepMs(delay);
      delay = Math.min(delay * 2, 20);
    }
  }

  thaw(): void {
    cgWrite(this.dir, 'cgroup.freeze', '0');
  }

  state(): FreezerState {
    return cgRead(this.dir, 'cgroup.freeze') === '1' ? 'frozen' : 'thawed';
  }

  stats(): CgroupStats {
    const d = this.dir;
    const cpu = cgReadKeyed(d, 'cpu.stat');
    const us = (v: number | undefined) => (v === undefined ? undefined : v * 1000);
    const mem = cgReadKeyed(d, 'memory.stat');
    const out: CgroupStats = {
      cpu: cpu && {
        usageNs: us(cpu.usage_usec),
        userNs: us(cpu.user_usec),
        systemNs: us(cpu.system_usec),
        periods: cpu.nr_periods,
        throttledPeriods: cpu.nr_throttled,
        throttledNs: us(cpu.throttled_usec),
      },
    };
    const usage = cgReadInt(d, 'memory.current');
    if (usage !== undefined) {
      out.memory = {
        usage,
        maxUsage: cgReadInt(d, 'memory.peak'),
        limit: cgReadInt(d, 'memory.max'),
        swapUsage: cgReadInt(d, 'memory.swap.current'),
        failcnt: cgReadKeyed(d, 'memory.events')?.max,
        oomKills: cgReadKeyed(d, 'memory.events')?.oom_kill,
        stat: mem,
      };
    }
    const current = cgReadInt(d, 'pids.current');
    if (current !== undefined) out.pids = { current, limit: cgReadInt(d, 'pids.max') };
    return out;
  }

  killAll(signal: NodeJS.Signals | number = 'SIGKILL'): void {
    // cgroup.kill (5.14+) kills the whole subtree atomically, forks included.
    if (signal === 'SIGKILL' || signal === 9) {
      try {
        cgWrite(this.dir, 'cgroup.kill', '1');
        return;
      } catch {
        // Older kernel: fall through to freeze, signal, thaw.
      }
    }
    const canFreeze = this.state() === 'thawed';
    if (canFreeze) this.freeze();
    try {
      signalPids(this.pids(), signal);
    } finally {
      if (canFreeze) this.thaw();
    }
  }

  destroy(): void {
    removeCgroupTree(this.dir);
    removeCreated(this.created, new Set([this.dir]));
    this.created.length = 0;
  }

  deviceRules(resources: LinuxResources): DeviceRule[] {
    return normalizeDeviceRules(resources.devices);
  }
}
