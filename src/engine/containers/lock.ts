/**
 * One container, one verb at a time across hull processes (and the monitor's exit command):
 * flock(2) on the lock file in the container's run-time directory (/run/hull/containers/<id>/lock),
 * released when the callback settles or the process dies.
 */
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { LOCK_EX, LOCK_UN, native } from '../../native.js';

export async function withContainerLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  let fd: number;
  try {
    fd = openSync(join(dir, 'lock'), 'a', 0o600);
  } catch (err) {
    // The directory is gone: the container was removed meanwhile; let fn report it.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return fn();
    throw err;
  }
  try {
    native().flock(fd, LOCK_EX);
    return await fn();
  } finally {
    try {
      native().flock(fd, LOCK_UN);
    } catch {
      // closing releases it anyway
    }
    closeSync(fd);
  }
}
