/**
 * An exclusive lock on a layout, shared by every hull process: flock(2) on the layout directory
 * itself (no lock file to leak into archives or confuse other tools). flock is per open file
 * description, so within one process an async queue serialises holders too (src/util/flock.ts
 * polls for it).
 */
import { withFlock } from '../../util/flock.js';

const queues = new Map<string, Promise<unknown>>();

export async function withDirLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const previous = queues.get(dir) ?? Promise.resolve();
  const run = previous.then(
    () => holdLock(dir, fn),
    () => holdLock(dir, fn),
  );
  const settled = run.catch(() => undefined);
  queues.set(dir, settled);
  try {
    return await run;
  } finally {
    if (queues.get(dir) === settled) queues.delete(dir);
  }
}

function holdLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  return withFlock(dir, 'r', `image layout ${dir}`, fn);
}
