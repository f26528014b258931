/**
 * The runtime's per-container state directory under `--root` (default /run/hull-runtime, as runc
 * uses /run/runc): `state.json` (written atomically: temp file, fsync, rename, so a reader sees
 * the old or the new document, never half of one), `exec.fifo` while the container is created,
 * and `lock`, an flock(2) that serializes operations on one container.
 */
import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { HullError, isErrno } from '../../errors.js';
import type { Hook } from '../../oci/runtime/types.js';

export const DEFAULT_ROOT = '/run/hull-runtime';
const ID = /^[\w+.-]+$/;

/** What hull-runtime remembers about a container (a superset of runtime.md#state). */
export interface StoredState {
  ociVersion: string;
  id: string;
  /** Last status written; the live status is derived (status.ts). */
  status: string;
  pid: number;
  bundle: string;
  annotations?: Record<string, string>;
  rootfs: string;
  /** ISO time of create. */
  created: string;
  /** /proc/PID/stat field 22 at create: tells a reused pid from ours. */
  startTime: string;
  cgroup: { cgroupsPath?: string; created: string[]; paths: Record<string, string> };
  /** Hooks the runtime itself runs after create; config.json may change after create (runtime.md#lifecycle step 2). */
  hooks: { poststart?: Hook[]; poststop?: Hook[]; startContainer?: Hook[] };
  owner: string;
}

export function checkId(id: string | undefined): string {
  if (!id) throw new HullError('USAGE', 'a container id is required');
  if (!ID.test(id) || id === '.' || id === '..')
    throw new HullError('INVALID_ID', `invalid container id ${JSON.stringify(id)}: use letters, digits, _ + - .`, {
      section: 'runtime-spec/runtime.md#state',
    });
  return id;
}

export function containerDir(root: string, id: string): string {
  return join(root, checkId(id));
}

/** Makes the container's directory; fails if the id is taken (runtime.md#create: MUST be unique). */
export function makeContainerDir(root: string, id: string): string {
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const dir = containerDir(root, id);
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if (isErrno(err, 'EEXIST')) throw new HullError('EXISTS', `container ${id} already exists`);
    throw err;
  }
  return dir;
}

/**
 * Temp file + rename: a reader never sees half a state. No fsync (runc does none either): the
 * state lives under /run, which a reboot clears along with every container it describes, so
 * surviving a crash buys nothing, and on a /run that is not a tmpfs each fsync cost a create
 * ~1 ms (three per `hull run`, bench/run.ts).
 */
export function writeState(dir: string, state: StoredState): void {
  const tmp = join(dir, `.state.json.${process.pid}`);
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, JSON.stringify(state));
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, 'state.json'));
}

export function readState(root: string, id: string): StoredState {
  const dir = containerDir(root, id);
  try {
    return JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as StoredState;
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR'))
      throw new HullError('NOT_FOUND', `container ${id} does not exist`);
    throw err;
  }
}

/**
 * The directory holds only files the runtime wrote (state, lock, fifo, markers), so each is
 * unlinked and the directory removed; rmSync's recursive walk (internal/fs/rimraf) is only the
 * fallback for anything else found there.
 */
export function removeContainerDir(root: string, id: string): void {
  const dir = containerDir(root, id);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return;
    throw err;
  }
  try {
    for (const name of names) unlinkSync(join(dir, name));
    rmdirSync(dir);
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) rmSync(dir, { recursive: true, force: true });
  }
}

export function listIds(root: string): string[] {
  try {
    return readdirSync(root, { withFileTypes: true })
      .filter((d) => d.isDirectory() && ID.test(d.name))
      .map((d) => d.name)
      .sort();
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return [];
    throw err;
  }
}

/**
 * Takes the container's lock (blocking). Returns the release function. A missing directory
 * means the container does not exist (or was just deleted by whoever held the lock before).
 */
export async function lockContainer(root: string, id: string): Promise<() => void> {
  const { native, LOCK_EX } = await import('../../native.js');
  let fd: number;
  try {
    fd = openSync(join(containerDir(root, id), 'lock'), 'a', 0o600);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) throw new HullError('NOT_FOUND', `container ${id} does not exist`);
    throw err;
  }
  native().flock(fd, LOCK_EX);
  return () => closeSync(fd);
}
