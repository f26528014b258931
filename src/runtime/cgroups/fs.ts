/**
 * Synchronous cgroupfs I/O shared by every manager. The runtime is benchmarked on start-up, so
 * writes are one open+write+close each, with no read-back, and files are opened without O_CREAT:
 * on cgroupfs a missing control file means the controller is absent (config-linux.md#control-groups),
 * and on the fake trees the tests use it must fail the same way instead of creating a plain file.
 */
import {
  closeSync,
  constants,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { HullError, isErrno } from '../../errors.js';

export const SECTION = 'runtime-spec/config-linux.md#control-groups';

/** O_WRONLY|O_TRUNC like runc's WriteFile: some control files (devices.allow, cgroup.kill) are write-only. */
const WRITE_FLAGS = constants.O_WRONLY | constants.O_TRUNC;

/** Tests observe every write in order here (the fake v2 tree keeps only the last per file). */
export const writeTrace: { hook?: (path: string, value: string) => void } = {};

/**
 * Write `value` to `dir/file`. `jsonPath` names the config field the value came from so the error
 * the user sees points at their config.json, not only at a kernel file.
 */
export function cgWrite(dir: string, file: string, value: string, jsonPath?: string, section = SECTION): void {
  const path = join(dir, file);
  writeTrace.hook?.(path, value);
  try {
    const fd = openSync(path, WRITE_FLAGS);
    try {
      writeSync(fd, value);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    throw cgError(err, path, value, jsonPath, section);
  }
}

export function cgError(err: unknown, path: string, value: string, jsonPath?: string, section = SECTION): HullError {
  const where = jsonPath ? `${jsonPath}: ` : '';
  if (isErrno(err, 'ENOENT')) {
    return new HullError(
      'CGROUP_UNSUPPORTED',
      `${where}${path} does not exist: the cgroup controller or feature is not available on this host`,
      { file: path, jsonPath, section, cause: err },
    );
  }
  const code = isErrno(err) ? err.code : String(err);
  return new HullError('CGROUP_WRITE', `${where}cannot write ${JSON.stringify(value)} to ${path}: ${code}`, {
    file: path,
    jsonPath,
    section,
    cause: err,
  });
}

/** Read a control file, trimmed; undefined when it does not exist. */
export function cgRead(dir: string, file: string): string | undefined {
  try {
    return readFileSync(join(dir, file), 'utf8').trim();
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
}

/** A single-number file; `max` (v2) maps to -1. */
export function cgReadInt(dir: string, file: string): number | undefined {
  const s = cgRead(dir, file);
  if (s === undefined || s === '') return undefined;
  if (s === 'max') return -1;
  const n = Number(s.split(/\s+/)[0]);
  return Number.isFinite(n) ? n : undefined;
}

/** `key value` lines (memory.stat, cpu.stat, cgroup.events) into a map. */
export function cgReadKeyed(dir: string, file: string): Record<string, number> | undefined {
  const s = cgRead(dir, file);
  if (s === undefined) return undefined;
  const out: Record<string, number> = {};
  for (const line of s.split('\n')) {
    const [k, v] = line.split(/\s+/);
    if (k && v !== undefined) out[k] = v === 'max' ? -1 : Number(v);
  }
  return out;
}

/** The pids in `cgroup.procs` (thread-group ids, not threads). */
export function cgPids(dir: string): number[] {
  const s = cgRead(dir, 'cgroup.procs');
  if (!s) return [];
  return s.split('\n').map(Number);
}

/**
 * mkdir -p that records which directories it made, top-down, so a failed apply or a destroy can
 * remove exactly those and never a parent cgroup somebody else owns.
 */
export function mkdirTracked(root: string, inner: string, created: string[]): void {
  let cur = root;
  for (const part of inner.split('/')) {
    if (!part) continue;
    cur = join(cur, part);
    try {
      mkdirSync(cur);
      created.push(cur);
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw cgError(err, cur, '(mkdir)');
    }
  }
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));
/** A synchronous sleep: the managers are sync so the runtime's hot path stays free of awaits. */
export function sleepMs(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms);
}

/**
 * rmdir with runc's retry: right after the last process exits the kernel may still report EBUSY
 * for a few milliseconds (css offlining), so retry with a doubling delay (10ms..160ms).
 */
export function rmdirRetry(path: string, attempts = 5): void {
  let delay = 10;
  for (let i = 0; ; i++) {
    try {
      rmdirSync(path);
      return;
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return;
      // cgroupfs never says ENOTEMPTY (control files go with the directory; live children give
      // EBUSY), so this only happens on a plain-directory tree such as the tests' fake v2 root.
      if (isErrno(err, 'ENOTEMPTY')) {
        for (const e of readdirSync(path, { withFileTypes: true })) if (e.isFile()) unlinkSync(join(path, e.name));
        rmdirSync(path);
        return;
      }
      if (!isErrno(err, 'EBUSY') || i + 1 >= attempts) throw cgError(err, path, '(rmdir)');
      sleepMs(delay);
      delay *= 2;
    }
  }
}

/**
 * Remove a cgroup and every sub-cgroup the container made inside it (a container with its own
 * cgroup namespace may create children), deepest first, as runc's RemovePath does. Control files
 * cannot and need not be unlinked: rmdir on cgroupfs removes them with the directory.
 */
export function removeCgroupTree(path: string): void {
  // Most containers make no sub-cgroups: one rmdir does it, without listing the control files
  // (a v1 memory directory has ~30). Children or lingering tasks (EBUSY) take the long way.
  try {
    rmdirSync(path);
    return;
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return;
    if (!isErrno(err, 'EBUSY') && !isErrno(err, 'ENOTEMPTY')) throw cgError(err, path, '(rmdir)');
  }
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(path, { withFileTypes: true });
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return;
    throw err;
  }
  for (const e of entries) if (e.isDirectory()) removeCgroupTree(join(path, e.name));
  rmdirRetry(path);
}

/** Pids of `dir` and of every sub-cgroup below it (runc GetAllPids). */
export function cgAllPids(dir: string): number[] {
  const out = cgPids(dir);
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return out;
    throw err;
  }
  for (const e of entries) if (e.isDirectory()) out.push(...cgAllPids(join(dir, e.name)));
  return out;
}

/** Send `signal` to each pid; a process that exited meanwhile (ESRCH) is fine. */
export function signalPids(pids: number[], signal: NodeJS.Signals | number): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch (err) {
      if (!isErrno(err, 'ESRCH')) throw err;
    }
  }
}

/** Remove directories this manager created, deepest first; a parent still in use is left alone. */
export function removeCreated(created: readonly string[], skip: Set<string>): void {
  for (const dir of [...created].reverse()) {
    if (skip.has(dir)) continue;
    try {
      rmdirSync(dir);
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'EBUSY') || isErrno(err, 'ENOTEMPTY')) continue;
      throw cgError(err, dir, '(rmdir)');
    }
  }
}
