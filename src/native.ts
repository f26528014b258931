/** The N-API addon built from native/addon by `npm install` (node-gyp). */
import { join } from 'node:path';

export interface HullNative {
  mknod(path: string, mode: number, dev: number): void;
  lsetxattr(path: string, name: string, value: Buffer, flags?: number): void;
  lgetxattr(path: string, name: string): Buffer | null;
  llistxattr(path: string): string[];
  openat2(dirfd: number, path: string, flags: number, mode: number, resolve: number): number;
  flock(fd: number, operation: number): void;
  makedev(major: number, minor: number): number;
  major(dev: number): number;
  minor(dev: number): number;
  /** mount(2); "" passes NULL. With `cwd`, relative paths in `data` (overlay's lowerdir) resolve there. */
  mount(source: string, target: string, fstype: string, flags: number, data: string, cwd?: string): void;
  umount2(target: string, flags: number): void;
  /** A new network namespace with lo up, bind-mounted onto `path` (an existing file). */
  netnsCreate(path: string): void;
  /**
   * A user namespace mapping 0..size-1 to uid.. and gid.., bind-mounted on userPath (an existing
   * file); with a netPath, a network namespace it owns, lo up, bind-mounted there too.
   */
  usernsCreate(userPath: string, netPath: string, uid: number, gid: number, size: number): void;
  /**
   * Each directory as a detached mount seen through the mapping of the user namespace at
   * usernsPath (open_tree + MOUNT_ATTR_IDMAP); returns their file descriptors (close them).
   */
  idmappedTrees(paths: string[], usernsPath: string): number[];
  /** pipe2(O_CLOEXEC): [read end, write end]. */
  pipe(): [number, number];
  /**
   * Starts `file` with `argv` (argv[0] included) without copying this process (clone with
   * CLONE_VM|CLONE_VFORK): the child's fd i is fds[i] (-1: /dev/null), nothing else is passed.
   * `detach`: in a new session, re-parented away from this process (never its zombie).
   */
  spawnFds(file: string, argv: string[], fds: number[], detach: boolean): number;
  /** waitpid(2): null while the child runs (block false), else how it ended. */
  waitpid(pid: number, block?: boolean): { code?: number; signal?: number } | null;
  /** `rm -rf` of name under dirfd, never following symlinks: 0 or -errno. */
  removeAllAt(dirfd: number, name: string): number;
  /** removeAllAt on libuv's thread pool (dirfd dup'ed): 0, or -errno of the dup; cb gets 0 | -errno. */
  removeAllAtAsync(dirfd: number, name: string, cb: (err: null, rc: number) => void): number;
}

/** sys/mount.h */
export const MS_BIND = 0x1000;
export const MS_REC = 0x4000;
export const MS_SHARED = 1 << 20;
export const MNT_DETACH = 2;
/** umount2(2): do not follow a symlink at the target. */
export const UMOUNT_NOFOLLOW = 8;

export const LOCK_SH = 1;
export const LOCK_EX = 2;
export const LOCK_NB = 4;
export const LOCK_UN = 8;

/** linux/openat2.h resolve flags. */
export const RESOLVE_NO_XDEV = 0x01;
export const RESOLVE_NO_MAGICLINKS = 0x02;
export const RESOLVE_NO_SYMLINKS = 0x04;
export const RESOLVE_BENEATH = 0x08;
export const RESOLVE_IN_ROOT = 0x10;
/** O_PATH is not in Node's fs.constants. */
export const O_PATH = 0o10000000;

let loaded: HullNative | undefined;

export function native(): HullNative {
  if (!loaded) {
    // process.dlopen and import.meta.dirname, not createRequire and URLs: those load node:module
    // and the ESM loader, ~2 ms of each hull-runtime verb that takes a lock.
    const addon = { exports: {} as HullNative };
    try {
      process.dlopen(addon, join(import.meta.dirname, '../../native/build/Release/hull_native.node'));
      loaded = addon.exports;
    } catch (err) {
      throw new Error(
        `hull's native addon is not built (native/build/Release/hull_native.node); run 'npm ci' or 'scripts/setup': ${(err as Error).message}`,
      );
    }
  }
  return loaded;
}
