/**
 * An exclusive lock on a layout, shared by every hull process: flock(2) on the layout directory
 * itself (no lock file to leak into archives or confuse other tools). flock is per open file
 * description, so within one process an async queue serialises holders too. The native flock
 * blocks the thread, so it is polled with LOCK_NB to keep the event loop running meanwhile.
 */
import { open } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { isErrno } from '../../errors.js';
import { LOCK_EX, LOCK_NB, LOCK_UN, native } from '../../native.js';

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

async function holdLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const handle = await open(dir, 'r');
  try {
    await acquire(handle.fd, dir);
    try {
      return await fn();
    } finally {
      native().flock(handle.fd, LOCK_UN);
    }
  } finally {
    await handle.close();
  }
}

async function acquire(fd: number, dir: string): Promise<void> {
  let delay = 1;
  for (;;) {
    try {
      native().flock(fd, LOCK_EX | LOCK_NB);
      return;
    } catch (err) {
      if (!isErrno(err, 'EAGAIN') && !isErrno(err, 'EWOULDBLOCK')) {
        throw new Error(`cannot lock image layout ${dir}: ${(err as Error).message}`, { cause: err });
      }
    }
    await sleep(delay);
    delay = Math.min(delay * 2, 50);
  }
}
