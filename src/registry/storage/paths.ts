/**
 * Storage keys are '/'-separated, relative, and made of plain segments (see driver.ts). Every
 * driver checks them the same way so no key, however a caller built it, can name something
 * outside the driver's root: no '..' or '.', no leading '/', no empty segment, no NUL or '\'.
 */
import { HullError } from '../../errors.js';

/** Throws unless `path` is a valid storage key; `allowRoot` admits '' (the whole store, for list). */
export function checkStoragePath(path: string, allowRoot = false): void {
  if (path === '' && allowRoot) return;
  const problem = storagePathProblem(path);
  if (problem) throw new HullError('STORAGE_PATH_INVALID', `storage: invalid path '${path}': ${problem}`);
}

export function storagePathProblem(path: string): string | undefined {
  if (typeof path !== 'string' || path === '') return 'empty path';
  if (path.startsWith('/')) return 'leading /';
  // A backslash is a separator on some platforms; NUL truncates paths in syscalls.
  if (/[\\\0]/.test(path)) return 'backslash or NUL';
  for (const segment of path.split('/')) {
    if (segment === '') return 'empty segment';
    if (segment === '.' || segment === '..') return `'${segment}' segment`;
  }
  return undefined;
}

/** The parent key of `path` ('' for a top-level key). */
export function parentPath(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}
