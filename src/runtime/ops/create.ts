/**
 * runtime.md#create: validate config.json, make the state directory, cgroups and exec fifo,
 * compile the plan, hand it to hull-init, run prestart/createRuntime hooks at its sync point
 * (createContainer hooks are hull-init's), and record the created container. Any failure undoes
 * everything (runtime.md#lifecycle step 2 "MUST generate an error"; nothing is left behind:
 * no state directory, no cgroup, no process).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { HullError, isErrno, ValidationError } from '../../errors.js';
import type { RuntimeConfig } from '../../oci/runtime/types.js';
import { validateRuntimeConfig } from '../../oci/runtime/validate.js';
import { cgroupViews } from '../cgroup-views.js';
import type { CgroupManager } from '../cgroups/manager.js';
import type { Logger } from '../cli/log.js';
import { runHooks } from '../hooks.js';
import { type Launcher, type PendingInit, type StartedInit, spawnInit } from '../init-process.js';
import { compilePlan } from '../plan/compile.js';
import { encodePlan, planJson } from '../plan/encode.js';
import { procStat } from '../state/status.js';
import { makeContainerDir, removeContainerDir, type StoredState, writeState } from '../state/store.js';

export interface CreateOptions {
  root: string;
  id: string;
  bundle: string;
  /** The bundle's config.json as its writer has it (the engine): not read or validated again. */
  config?: RuntimeConfig;
  pidFile?: string;
  noPivot?: boolean;
  /** --no-new-keyring: keep the caller's session keyring (runc's flag). */
  noNewKeyring?: boolean;
  preserveFds?: number;
  consoleSocket?: string;
  /** `run` in the foreground: hull-init's parent waits for the container. */
  monitor?: boolean;
  /** Start hull-init through this (the engine's monitor) instead of as our own child. */
  launcher?: Launcher;
  log: Logger;
}

export interface Created extends StartedInit {
  state: StoredState;
  dir: string;
  config: RuntimeConfig;
}

export function loadConfig(bundle: string): RuntimeConfig {
  const file = join(bundle, 'config.json');
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    if (isErrno(err, 'ENOENT')) throw new HullError('NO_CONFIG', `${file} does not exist`, { file });
    throw new HullError('INVALID', `${file}: ${(err as Error).message}`, { file, jsonPath: '$' });
  }
  const problems = validateRuntimeConfig(doc, file);
  if (problems.length) throw new ValidationError(problems);
  return doc as RuntimeConfig;
}

function lastCap(): number {
  try {
    return Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'));
  } catch {
    return 40;
  }
}

/**
 * Fault tests (test/runtime/faults.test.ts): HULL_RUNTIME_TEST_PAUSE_AT=<stage> stops create at
 * that stage (cgroups, compiled, init-started, hooks, created) so the test can SIGKILL it there. It
 * announces the stop on stderr and blocks the whole process (no timers or I/O run meanwhile).
 */
function testPauseAt(stage: string): void {
  if (process.env.HULL_RUNTIME_TEST_PAUSE_AT !== stage) return;
  process.stderr.write(`hull-runtime: test pause at ${stage}\n`);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
}

export async function create(opts: CreateOptions): Promise<Created> {
  const bundle = resolve(opts.bundle);
  const config = opts.config ?? loadConfig(bundle);
  if (config.process?.terminal && !opts.consoleSocket) {
    // runc: "cannot allocate tty if runc will detach without setting console socket".
    throw new HullError('INVALID', '$.process.terminal is true: --console-socket is required', {
      jsonPath: '$.process.terminal',
      section: 'runtime-spec/config.md#process',
    });
  }
  const dir = makeContainerDir(opts.root, opts.id);
  let cgroup: CgroupManager | undefined;
  let pending: PendingInit | undefined;
  let init: StartedInit | undefined;
  let pid = 0;
  try {
    // hull-init starts now and waits for its plan (init-process.ts spawnInit).
    pending = spawnInit(opts.preserveFds ?? 0, opts.launcher);
    const { createCgroupManager, DEFAULT_DEVICE_RULES } = await import('../cgroups/index.js');
    const linux = config.linux ?? {};
    cgroup = createCgroupManager({ id: opts.id, cgroupsPath: linux.cgroupsPath, warn: (m) => opts.log.warn(m) });
    cgroup.create();
    // A state that names the cgroup before anything lives in it: if this process is killed from
    // here on, `delete --force` finds what to clean up (pid 0: nothing but the cgroup's members).
    writeState(dir, {
      ociVersion: config.ociVersion,
      id: opts.id,
      status: 'creating',
      pid: 0,
      bundle,
      rootfs: resolve(bundle, config.root?.path ?? 'rootfs'),
      created: new Date().toISOString(),
      startTime: '',
      cgroup: { cgroupsPath: linux.cgroupsPath, created: [...cgroup.created], paths: { ...cgroup.paths } },
      hooks: {},
      owner: '',
    });
    // config-linux.md#default-devices: the container MUST get them, so the device cgroup allows them
    // after the configured rules (last match wins), as runc's specconv does.
    const resources = {
      ...(linux.resources ?? {}),
      devices: [
        ...(linux.resources?.devices ?? []),
        ...DEFAULT_DEVICE_RULES.map((r) => ({
          ...r,
          major: r.major < 0 ? undefined : r.major,
          minor: r.minor < 0 ? undefined : r.minor,
        })),
      ],
    };
    cgroup.apply(resources);
    testPauseAt('cgroups');

    const fifo = join(dir, 'exec.fifo');
    const { native } = await import('../../native.js');
    native().mknod(fifo, 0o010000 | 0o600, 0);

    const plan = compilePlan({
      config,
      bundle,
      fifo,
      cgroupProcs: [...new Set(Object.values(cgroup.paths))].map((d) => join(d, 'cgroup.procs')),
      cgroupViews: cgroupViews(cgroup.paths),
      cgroupV2: cgroup.mode === 'v2',
      noPivot: opts.noPivot,
      keyring: opts.noNewKeyring ? undefined : `_ses.${opts.id}`,
      preserveFds: opts.preserveFds,
      monitor: opts.monitor,
      consoleSocket: opts.consoleSocket,
      lastCap: lastCap(),
      warn: (m) => opts.log.warn(m),
    });
    if (opts.log.debugging !== false) opts.log.debug(`plan: ${planJson(plan)}`);
    testPauseAt('compiled');

    const rootfs = resolve(bundle, config.root?.path ?? 'rootfs');
    const state = (status: string): StoredState => ({
      ociVersion: config.ociVersion,
      id: opts.id,
      status,
      pid,
      bundle,
      annotations: config.annotations,
      rootfs,
      created: new Date().toISOString(),
      startTime: procStat(pid)?.startTime ?? '',
      cgroup: {
        cgroupsPath: linux.cgroupsPath,
        created: [...(cgroup?.created ?? [])],
        paths: { ...(cgroup?.paths ?? {}) },
      },
      hooks: {
        poststart: config.hooks?.poststart,
        poststop: config.hooks?.poststop,
        startContainer: config.hooks?.startContainer,
      },
      owner: userInfo().username,
    });
    const { publicState } = await import('../state/status.js');
    init = await pending.send(encodePlan(plan), {
      onPid: (p) => {
        pid = p;
        testPauseAt('init-started');
      },
      onHooks: async () => {
        // runtime.md#lifecycle steps 3 and 4, in the runtime's namespace.
        const s = publicState(state('creating'), 'creating');
        testPauseAt('hooks');
        await runHooks('prestart', config.hooks?.prestart, s);
        await runHooks('createRuntime', config.hooks?.createRuntime, s);
        return JSON.stringify(s);
      },
      onWarning: (m) => opts.log.warn(m),
    });
    testPauseAt('created');
    const created = state('created');
    writeState(dir, created);
    if (opts.pidFile) writeFileSync(opts.pidFile, String(pid));
    return { ...init, state: created, dir, config };
  } catch (err) {
    pending?.abort();
    if (pid) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
    if (cgroup) {
      try {
        cgroup.killAll('SIGKILL');
        cgroup.destroy();
      } catch (e) {
        opts.log.warn(`cleanup: ${(e as Error).message}`);
      }
    }
    removeContainerDir(opts.root, opts.id);
    // runtime.md#lifecycle: a failed create continues at step 12/13: poststop hooks, warnings only.
    if (err instanceof HullError && err.code === 'HOOK_FAILED') {
      try {
        await runHooks('poststop', config.hooks?.poststop, {
          ociVersion: config.ociVersion,
          id: opts.id,
          status: 'stopped',
          bundle,
        });
      } catch (e) {
        opts.log.warn((e as Error).message);
      }
    }
    throw err;
  }
}
