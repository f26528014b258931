/**
 * Typed access to the *at helpers of the native addon (native/addon/fs_extra.cc) that layer
 * extraction uses. They take an O_PATH directory fd plus one path component, so the kernel never
 * resolves a layer-controlled path from the host's root, and they return -errno instead of
 * throwing because EEXIST/ENOENT are routine when an entry replaces an existing path.
 */
import { constants } from 'node:os';
import { type HullNative, native } from '../../native.js';

export interface LayerNative extends HullNative {
  openat(dirfd: number, name: string, flags: number, mode: number): number;
  mkdirat(dirfd: number, name: string, mode: number): number;
  unlinkat(dirfd: number, name: string, flags: number): number;
  removeAllAt(dirfd: number, name: string): number;
  linkat(olddirfd: number, oldname: string, newdirfd: number, newname: string): number;
  /** st_mode of name (not following a final symlink), or -errno. */
  fstatatMode(dirfd: number, name: string): number;
  /** [mtime seconds, nanoseconds] of an fd (O_PATH fds work), or -errno. */
  fstatMtime(fd: number): [number, number] | number;
  /** chown, chmod (mode < 0: skip; never on symlinks), utimensat (nsec < 0: skip); no-follow. */
  setMetaAt(
    dirfd: number,
    name: string,
    uid: number,
    gid: number,
    mode: number,
    sec: number,
    nsec: number,
    isSymlink: boolean,
  ): number;
  mknodAt(
    dirfd: number,
    name: string,
    mode: number,
    dev: number,
    uid: number,
    gid: number,
    sec: number,
    nsec: number,
  ): number;
  symlinkAt(target: string, dirfd: number, name: string, uid: number, gid: number, sec: number, nsec: number): number;
  /**
   * O_CREAT|O_EXCL|O_NOFOLLOW|O_WRONLY with the entry's permission bits (0600 without a mode;
   * finishFile sets what the umask took and setuid/setgid/sticky): fd or -errno.
   */
  createFileAt(dirfd: number, name: string, mode?: number): number;
  /** A whole small file in one call: create, write, chown and chmod (each when needed), times, close. */
  writeFileAt(
    dirfd: number,
    name: string,
    data: Buffer,
    uid: number,
    gid: number,
    mode: number,
    sec: number,
    nsec: number,
  ): number;
  writeFd(fd: number, data: Buffer): number;
  /** fchown and fchmod (each only when fstat shows it is needed), futimens, then close (always closes). */
  finishFile(fd: number, uid: number, gid: number, mode: number, sec: number, nsec: number): number;
  lremovexattr(path: string, name: string): number;
}

export function layerNative(): LayerNative {
  return native() as LayerNative;
}

export const ENOENT = constants.errno.ENOENT;
export const EEXIST = constants.errno.EEXIST;
export const ENOTDIR = constants.errno.ENOTDIR;
export const EOPNOTSUPP = constants.errno.EOPNOTSUPP;
export const EPERM = constants.errno.EPERM;
export const AT_REMOVEDIR = 0x200;
export const O_CLOEXEC = 0o2000000;
export const O_DIRECTORY = 0o200000;
export const O_NOFOLLOW = 0o400000;

const errnoNames = new Map<number, string>();
for (const [name, num] of Object.entries(constants.errno)) if (!errnoNames.has(num)) errnoNames.set(num, name);

/** An Error shaped like Node's fs errors for a -errno result. */
export function errnoError(rc: number, syscall: string, path: string): NodeJS.ErrnoException {
  const code = errnoNames.get(-rc) ?? `E${-rc}`;
  const err: NodeJS.ErrnoException = new Error(`${code}: ${syscall} '${path}'`);
  err.code = code;
  err.errno = rc;
  err.syscall = syscall;
  err.path = path;
  return err;
}

/** Throws for a negative result; returns it otherwise. */
export function check(rc: number, syscall: string, path: string): number {
  if (rc < 0) throw errnoError(rc, syscall, path);
  return rc;
}
