/** The N-API addon built from native/addon by `npm install` (node-gyp). */
import { createRequire } from 'node:module';

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
}

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
    const require = createRequire(import.meta.url);
    try {
      loaded = require('../../native/build/Release/hull_native.node') as HullNative;
    } catch (err) {
      throw new Error(
        `hull's native addon is not built (native/build/Release/hull_native.node); run 'npm ci' or 'scripts/setup': ${(err as Error).message}`,
      );
    }
  }
  return loaded;
}
