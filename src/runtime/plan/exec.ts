/**
 * `exec`: the plan of a process that joins a running container (docs/runtime-plan.md#exec). The
 * same ops as the container's init, minus everything that builds the container: connect to the
 * console socket and open the container's cgroup.procs files while the host is visible, setns
 * into each namespace of the init (user first, mount last, as runc's nsexec), fork (into the
 * pid namespace), then the process's own settings: session, terminal, rlimits, no_new_privs,
 * seccomp (the container's), capabilities, user, cwd, exec.
 */
import { HullError } from '../../errors.js';
import type { Process, RuntimeConfig } from '../../oci/runtime/types.js';
import { affinityOps, checkSupported, processAttrOps } from './attrs.js';
import { planCapabilities } from './capabilities.js';
import { consoleOp, consoleSocketOps } from './compile.js';
import { CLONE } from './namespaces.js';
import type { Plan, PlanOp } from './ops.js';
import { pathOf, planRlimits, planUser, processEnv } from './process.js';
import { planSeccomp } from './seccomp.js';

/** /proc/PID/ns names in join order, with their CLONE_NEW* type. */
export const EXEC_NAMESPACES: readonly { proc: string; type: keyof typeof CLONE }[] = [
  { proc: 'user', type: 'user' },
  { proc: 'cgroup', type: 'cgroup' },
  { proc: 'ipc', type: 'ipc' },
  { proc: 'uts', type: 'uts' },
  { proc: 'net', type: 'network' },
  { proc: 'pid', type: 'pid' },
  { proc: 'time', type: 'time' },
  { proc: 'mnt', type: 'mount' },
];

export interface ExecCompileInput {
  /** The container's config.json: seccomp comes from it. */
  config: RuntimeConfig;
  /** The process to run (config.process with exec's overrides, or --process). */
  process: Process;
  /** The container init's host pid. */
  initPid: number;
  /** /proc names (EXEC_NAMESPACES[].proc) of the namespaces to join: those the init does not share with us. */
  namespaces: readonly string[];
  cgroupProcs: readonly string[];
  consoleSocket?: string;
  /** Without --detach hull-init's parent waits and exits with the process's status. */
  monitor: boolean;
  preserveFds?: number;
  lastCap: number;
  warn?: (m: string) => void;
  /** The caller's umask: the process's unless process.user.umask is set (runc's exec). */
  callerUmask?: number;
}

export function compileExecPlan(input: ExecCompileInput): Plan {
  const proc = input.process;
  const warn = input.warn ?? (() => {});
  if (!proc.args?.length) {
    throw new HullError('INVALID', 'exec: process.args must have at least one argument', {
      jsonPath: '$.args',
      section: 'runtime-spec/config.md#process',
    });
  }
  if (!proc.cwd?.startsWith('/')) {
    throw new HullError('INVALID', `exec: process.cwd must be an absolute path, not ${JSON.stringify(proc.cwd)}`, {
      jsonPath: '$.cwd',
      section: 'runtime-spec/config.md#process',
    });
  }
  checkSupported(proc, undefined, '$');
  const affinity = affinityOps(proc.execCPUAffinity, '$.execCPUAffinity');
  // execCPUAffinity.initial: the runtime side, before it joins the container's cgroup.
  const ops: PlanOp[] = [
    ...(affinity.initial ? [affinity.initial] : []),
    ...consoleSocketOps({ process: proc } as RuntimeConfig, input.consoleSocket),
  ];
  for (const procs of input.cgroupProcs) ops.push({ op: 'cgroup_open', procs });
  for (const ns of EXEC_NAMESPACES) {
    if (!input.namespaces.includes(ns.proc)) continue;
    ops.push({ op: 'setns', type: ns.type, nstype: CLONE[ns.type], path: `/proc/${input.initPid}/ns/${ns.proc}` });
  }
  ops.push({ op: 'clone', flags: 0, namespaces: [] });
  if (input.monitor) ops.push({ op: 'monitor' });

  // execCPUAffinity.final: the child runs only once the parent has put it in the cgroup.
  if (affinity.final) ops.push(affinity.final);
  ops.push({ op: 'setsid' });
  if (proc.terminal) ops.push(consoleOp(proc, false));
  ops.push(...planRlimits(proc.rlimits));
  if (proc.oomScoreAdj !== undefined) ops.push({ op: 'oom_score_adj', value: proc.oomScoreAdj });
  ops.push(...processAttrOps(proc, input.config.linux));
  if (proc.noNewPrivileges) ops.push({ op: 'no_new_privs' });

  const sc = input.config.linux?.seccomp;
  const seccomp = sc ? planSeccomp(sc) : undefined;
  if (seccomp?.notify) {
    throw new HullError(
      'UNSUPPORTED',
      'exec: seccomp notify (listenerPath) is not supported for exec by hull-runtime',
      {
        jsonPath: '$.linux.seccomp.listenerPath',
        section: 'runtime-spec/config-linux.md#seccomp',
      },
    );
  }
  const seccompLoad: PlanOp[] = seccomp
    ? [...seccomp.build, { op: 'seccomp_load', listenerPath: '', metadata: '' }]
    : [];
  if (!proc.noNewPrivileges) ops.push(...seccompLoad);

  const caps = planCapabilities(proc.capabilities, input.lastCap, warn);
  ops.push(caps.bounding, planUser(proc), caps.sets);
  if (caps.ambient) ops.push(caps.ambient);
  // hull-init runs with umask 0 (its plan's modes are exact): the process gets its own umask,
  // or, as runc's exec gives it, the caller's.
  ops.push({ op: 'umask', mask: proc.user.umask ?? input.callerUmask ?? 0o022 });
  ops.push({ op: 'chdir', path: proc.cwd });
  const env = processEnv(proc, undefined);
  ops.push({ op: 'resolve_exec', name: proc.args[0] as string, path: pathOf(env) });
  ops.push({ op: 'close_fds', from: 3 + (input.preserveFds ?? 0) });
  if (proc.noNewPrivileges) ops.push(...seccompLoad);
  ops.push({ op: 'exec', args: proc.args, env });
  return { ops };
}
