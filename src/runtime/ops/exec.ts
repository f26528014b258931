/**
 * `exec` (runc's, flag for flag): run another process in a created or running container. The
 * process is config.process with exec's overrides (args, env, cwd, user, caps, no_new_privs,
 * tty) or the whole of --process FILE. hull-init runs a plan of setns ops (plan/exec.ts); this
 * side reads its sync lines (`pid N`, `error ...`), writes --pid-file, and without --detach
 * waits and exits with the process's status (hull-init's parent stays as its monitor).
 */
import { spawn } from 'node:child_process';
import { readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { HullError, isErrno } from '../../errors.js';
import type { Process } from '../../oci/runtime/types.js';
import type { Logger } from '../cli/log.js';
import { locate } from '../init-process.js';
import { guard } from '../lifecycle.js';
import { encodePlan, planJson } from '../plan/encode.js';
import { compileExecPlan, EXEC_NAMESPACES } from '../plan/exec.js';
import { liveStatus } from '../state/status.js';
import { containerDir, readState } from '../state/store.js';
import { loadConfig } from './create.js';

export interface ExecOptions {
  root: string;
  id: string;
  /** --process FILE: the whole process.json (config.md#process). */
  processFile?: string;
  args: string[];
  tty: boolean;
  consoleSocket?: string;
  detach: boolean;
  pidFile?: string;
  env: string[];
  cwd?: string;
  /** UID[:GID] */
  user?: string;
  additionalGids: string[];
  caps: string[];
  noNewPrivs: boolean;
  preserveFds: number;
  log: Logger;
}

function num(v: string, what: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n)) throw new HullError('USAGE', `${what}: ${v} is not a number`);
  return n;
}

/** runc's exec: config.process with the command line's overrides. */
export function execProcess(base: Process | undefined, o: ExecOptions): Process {
  if (o.processFile) {
    let p: Process;
    try {
      p = JSON.parse(readFileSync(o.processFile, 'utf8')) as Process;
    } catch (err) {
      throw new HullError('INVALID', `--process ${o.processFile}: ${(err as Error).message}`, { file: o.processFile });
    }
    if (!p || typeof p !== 'object' || !p.user || typeof p.cwd !== 'string')
      throw new HullError('INVALID', `--process ${o.processFile}: not a process (config.md#process)`, {
        file: o.processFile,
        section: 'runtime-spec/config.md#process',
      });
    return p;
  }
  if (!o.args.length) throw new HullError('USAGE', 'exec: a command is required (or --process FILE)');
  const p: Process = structuredClone(base ?? { user: { uid: 0, gid: 0 }, cwd: '/' });
  p.args = o.args;
  p.terminal = o.tty;
  p.env = [...(p.env ?? []), ...o.env];
  if (o.cwd) p.cwd = o.cwd;
  if (o.user) {
    const [u, g] = o.user.split(':');
    p.user = { ...p.user, uid: num(u ?? '', '--user') };
    if (g !== undefined) p.user.gid = num(g, '--user');
  }
  if (o.additionalGids.length) p.user.additionalGids = o.additionalGids.map((g) => num(g, '--additional-gids'));
  if (o.caps.length) {
    p.capabilities = p.capabilities ?? {};
    const c = p.capabilities;
    for (const cap of o.caps) {
      const name = cap.toUpperCase().startsWith('CAP_') ? cap.toUpperCase() : `CAP_${cap.toUpperCase()}`;
      c.bounding = [...(c.bounding ?? []), name];
      c.effective = [...(c.effective ?? []), name];
      c.permitted = [...(c.permitted ?? []), name];
      // runc: ambient only when the spec has inheritable bits (ambient needs inheritable).
      if (c.inheritable) c.ambient = [...(c.ambient ?? []), name];
    }
  }
  if (o.noNewPrivs) p.noNewPrivileges = true;
  return p;
}

/** The namespaces of the init we do not share: those are the ones to join. */
function namespacesOf(pid: number): string[] {
  const out: string[] = [];
  for (const ns of EXEC_NAMESPACES) {
    let theirs: string;
    try {
      theirs = readlinkSync(`/proc/${pid}/ns/${ns.proc}`);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) continue; // the kernel has no such namespace type
      throw new HullError('EXEC_FAILED', `exec: cannot read /proc/${pid}/ns/${ns.proc}: ${(err as Error).message}`);
    }
    let ours = '';
    try {
      ours = readlinkSync(`/proc/self/ns/${ns.proc}`);
    } catch {}
    if (theirs !== ours) out.push(ns.proc);
  }
  return out;
}

function lastCap(): number {
  try {
    return Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'));
  } catch {
    return 40;
  }
}

/** This process's umask (/proc/self/status; process.umask() without an argument is deprecated). */
function callerUmask(): number | undefined {
  try {
    const m = /^Umask:\s+([0-7]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number.parseInt(m[1] as string, 8) : undefined;
  } catch {
    return undefined;
  }
}

export async function exec(o: ExecOptions): Promise<number> {
  const s = readState(o.root, o.id);
  const status = liveStatus(containerDir(o.root, o.id), s);
  guard('exec', o.id, status);
  const config = loadConfig(s.bundle);
  const proc = execProcess(config.process, o);
  if (proc.terminal && !o.consoleSocket) {
    throw new HullError('INVALID', 'exec: a terminal (--tty or process.terminal) needs --console-socket', {
      section: 'runtime-spec/config.md#process',
    });
  }
  const plan = compileExecPlan({
    config,
    process: proc,
    initPid: s.pid,
    namespaces: namespacesOf(s.pid),
    cgroupProcs: [...new Set(Object.values(s.cgroup.paths))].map((d) => join(d, 'cgroup.procs')),
    consoleSocket: o.consoleSocket,
    monitor: !o.detach,
    preserveFds: o.preserveFds,
    lastCap: lastCap(),
    warn: (m) => o.log.warn(m),
    callerUmask: callerUmask(),
  });
  if (o.log.debugging !== false) o.log.debug(`plan: ${planJson(plan)}`);

  const preserved = Array.from({ length: o.preserveFds }, (_, i) => 3 + i);
  const base = 3 + o.preserveFds;
  const child = spawn(locate(), [String(base), String(base + 1), String(base + 2)], {
    stdio: ['inherit', 'inherit', 'inherit', ...preserved, 'pipe', 'pipe', 'pipe'],
  });
  const planOut = child.stdio[base] as Writable;
  const syncOut = child.stdio[base + 1] as Readable;
  const syncIn = child.stdio[base + 2] as Writable;
  planOut.on('error', () => {});
  syncIn.on('error', () => {});
  planOut.end(encodePlan(plan));
  const exited = new Promise<number>((resolve) => {
    child.once('exit', (code, sig) => resolve(code ?? 128 + (sig === 'SIGKILL' ? 9 : 15)));
  });
  const forward = (sig: NodeJS.Signals) => child.kill(sig);
  const sigs = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'] as const;
  if (!o.detach) for (const sig of sigs) process.on(sig, forward);

  // `pid N` from the parent; then EOF once the process has exec'd (its copies of the sync fds are
  // close-on-exec) or after `error ...` from hull-init.
  let pid = 0;
  let error: string | undefined;
  await new Promise<void>((resolve, reject) => {
    let buf = '';
    child.once('error', reject);
    syncOut.setEncoding('utf8');
    syncOut.on('data', (chunk: string) => {
      buf += chunk;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const sp = line.indexOf(' ');
        const verb = sp < 0 ? line : line.slice(0, sp);
        const rest = sp < 0 ? '' : line.slice(sp + 1);
        if (verb === 'pid') pid = Number(rest);
        else if (verb === 'error') error = rest;
        else if (verb === 'warning') o.log.warn(rest);
      }
    });
    syncOut.on('end', () => resolve());
  });
  syncIn.destroy();
  if (error || !pid) {
    if (!o.detach) for (const sig of sigs) process.off(sig, forward);
    const code = await exited;
    throw new HullError('EXEC_FAILED', `exec failed: ${error ?? `hull-init exited with status ${code}`}`, {
      section: 'runtime-spec/runtime.md#operations',
    });
  }
  if (o.pidFile) writeFileSync(o.pidFile, String(pid));
  if (o.detach) {
    child.unref();
    return 0;
  }
  const code = await exited;
  for (const sig of sigs) process.off(sig, forward);
  return code;
}
