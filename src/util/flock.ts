/**
 * An exclusive flock(2) on a file held while `fn` runs, for locks shared by hull processes (an
 * image layout, the host's ports). The native flock blocks its thread, so it is polled with
 * LOCK_NB (1 ms, doubling to 50 ms) and the event loop keeps running meanwhile.
 */
import { open } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { isErrno } from '../errors.js';
import { LOCK_EX, LOCK_NB, LOCK_UN, native } from '../native.js';

/** Holds the lock on `path` (opened with `flags`: 'r' for a directory, 'a' for a lock file). */
export async function withFlock<T>(path: string, flags: 'r' | 'a', what: string, fn: () => Promise<T>): Promise<T> {
  const handle = await open(path, flags);
  try {
    let delay = 1;
    for (;;) {
      try {
        native().flock(handle.fd, LOCK_EX | LOCK_NB);
        break;
      } catch (err) {
        if (!isErrno(err, 'EAGAIN') && !isErrno(err, 'EWOULDBLOCK'))
          throw new Error(`cannot lock ${what}: ${(err as Error).message}`, { cause: err });
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 50);
    }
    try {
      return await fn();
    } finally {
      native().flock(handle.fd, LOCK_UN);
    }
  } finally {
    await handle.close();
  }
}
