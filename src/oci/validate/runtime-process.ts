/** The `process` object of runtime-spec config.json: config.md#process and its POSIX/Linux parts. */
import { IOPRIO_CLASSES, SCHED_FLAGS, SCHED_POLICIES } from '../runtime/types.js';
import { type Checker, childPath, Int, type JsonObject, range } from './checker.js';
import { isCpuList } from './grammar.js';
import { absolutePath, enumList, envList, RS } from './runtime-common.js';

// capabilities(7) names; unknown but well-formed names are only a warning for runtimes
// (config.md#linux-process), so the validator checks the form, not a fixed list.
const CAPABILITY = /^CAP_[A-Z0-9_]+$/;
const CAPABILITY_SETS = ['effective', 'bounding', 'inheritable', 'permitted', 'ambient'] as const;
// getrlimit(2) resource names.
const RLIMIT = /^RLIMIT_[A-Z]+$/;

export function checkProcess(c: Checker, process: JsonObject, path: string): void {
  c.boolean(process, 'terminal', path, RS.process);
  const consoleSize = c.object(process, 'consoleSize', path, RS.process);
  if (consoleSize) {
    const p = childPath(path, 'consoleSize');
    c.integer(consoleSize, 'height', p, RS.process, Int.uint32, { required: true });
    c.integer(consoleSize, 'width', p, RS.process, Int.uint32, { required: true });
    // config.md#process: runtimes MUST ignore consoleSize when terminal is false or unset, so a
    // consoleSize without a terminal is valid (runc and podman write such configs).
  }
  absolutePath(c, process, 'cwd', path, RS.process, true);
  envList(c, process, 'env', path, RS.process);
  // "at least one entry is REQUIRED (non-Windows)"; hull only runs Linux containers.
  const args = c.stringArray(process, 'args', path, RS.process, { required: true });
  if (args && args.length === 0) c.report(childPath(path, 'args'), RS.process, 'must have at least one entry');
  c.string(process, 'commandLine', path, RS.process);

  const user = c.object(process, 'user', path, RS.user, { required: true });
  if (user) checkUser(c, user, childPath(path, 'user'));
  checkRlimits(c, process, path);
  checkCapabilities(c, process, path);
  c.boolean(process, 'noNewPrivileges', path, RS.linuxProcess);
  c.string(process, 'apparmorProfile', path, RS.linuxProcess);
  c.string(process, 'selinuxLabel', path, RS.linuxProcess);
  // proc(5): oom_score_adj ranges from -1000 to +1000.
  c.integer(process, 'oomScoreAdj', path, RS.linuxProcess, range('oom_score_adj', -1000, 1000));
  checkScheduler(c, process, path);
  const io = c.object(process, 'ioPriority', path, RS.linuxProcess);
  if (io) {
    const p = childPath(path, 'ioPriority');
    c.oneOf(io, 'class', p, RS.linuxProcess, IOPRIO_CLASSES, { required: true });
    c.integer(io, 'priority', p, RS.linuxProcess, range('I/O priority', 0, 7), { required: true });
  }
  const affinity = c.object(process, 'execCPUAffinity', path, RS.linuxProcess);
  if (affinity) {
    const p = childPath(path, 'execCPUAffinity');
    for (const key of ['initial', 'final']) {
      const list = c.string(affinity, key, p, RS.linuxProcess);
      if (list !== undefined && !isCpuList(list))
        c.report(childPath(p, key), RS.linuxProcess, `'${list}' is not a CPU list such as 0-3,7`);
    }
  }
}

/** config.md#posix-platform-user: uid and gid REQUIRED; Linux IDs are unsigned 32-bit. */
function checkUser(c: Checker, user: JsonObject, path: string): void {
  c.integer(user, 'uid', path, RS.user, Int.uint32, { required: true });
  c.integer(user, 'gid', path, RS.user, Int.uint32, { required: true });
  c.integer(user, 'umask', path, RS.user, Int.uint32);
  const gids = c.array(user, 'additionalGids', path, RS.user);
  gids?.forEach((gid, i) => {
    c.isInteger(gid, childPath(childPath(path, 'additionalGids'), i), RS.user, Int.uint32);
  });
}

/** config.md#posix-process: duplicated types MUST be an error; soft above hard cannot be set. */
function checkRlimits(c: Checker, process: JsonObject, path: string): void {
  const seen = new Set<string>();
  c.objectArray(process, 'rlimits', path, RS.posixProcess, {}, (rl, p) => {
    const type = c.string(rl, 'type', p, RS.posixProcess, { required: true });
    if (type !== undefined) {
      if (!RLIMIT.test(type)) c.report(childPath(p, 'type'), RS.posixProcess, `'${type}' is not an RLIMIT_* name`);
      else if (seen.has(type)) c.report(childPath(p, 'type'), RS.posixProcess, `duplicate rlimit type '${type}'`);
      seen.add(type);
    }
    const soft = c.integer(rl, 'soft', p, RS.posixProcess, Int.uint64, { required: true });
    const hard = c.integer(rl, 'hard', p, RS.posixProcess, Int.uint64, { required: true });
    if (soft !== undefined && hard !== undefined && soft > hard)
      c.report(childPath(p, 'soft'), RS.posixProcess, `soft limit ${soft} exceeds hard limit ${hard} (getrlimit(2))`);
  });
}

function checkCapabilities(c: Checker, process: JsonObject, path: string): void {
  const caps = c.object(process, 'capabilities', path, RS.linuxProcess);
  if (!caps) return;
  const p = childPath(path, 'capabilities');
  for (const set of CAPABILITY_SETS) {
    c.stringArray(caps, set, p, RS.linuxProcess, {}, (name, q) => {
      if (!CAPABILITY.test(name)) c.report(q, RS.linuxProcess, `'${name}' is not a capability name (CAP_*)`);
    });
  }
}

function checkScheduler(c: Checker, process: JsonObject, path: string): void {
  const sched = c.object(process, 'scheduler', path, RS.linuxProcess);
  if (!sched) return;
  const p = childPath(path, 'scheduler');
  c.oneOf(sched, 'policy', p, RS.linuxProcess, SCHED_POLICIES, { required: true });
  c.integer(sched, 'nice', p, RS.linuxProcess, Int.int32);
  c.integer(sched, 'priority', p, RS.linuxProcess, Int.int32);
  enumList(c, sched, 'flags', p, RS.linuxProcess, SCHED_FLAGS);
  for (const key of ['runtime', 'deadline', 'period']) c.integer(sched, key, p, RS.linuxProcess, Int.uint64);
}
