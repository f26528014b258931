/**
 * One host-wide lock (flock on /run/hull/network.lock) held while a container's host ports are
 * chosen and published, so two `hull run -p 8080:80` started together cannot both see 8080 free.
 * The lock is per host, not per --root, because host ports are. Polled with LOCK_NB so the
 * event loop keeps running (the native flock blocks its thread).
 */
import { mkdirSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { isErrno } from '../../errors.js';
import { LOCK_EX, LOCK_NB, LOCK_UN, native } from '../../native.js';

const LOCK_FILE = '/run/hull/network.lock';

export async function withHostPortLock<T>(fn: () => Promise<T>): Promise<T> {
  mkdirSync('/run/hull', { recursive: true, mode: 0o755 });
  const handle = await open(LOCK_FILE, 'a');
  try {
    let delay = 1;
    for (;;) {
      try {
        native().flock(handle.fd, LOCK_EX | LOCK_NB);
        break;
      } catch (err) {
        if (!isErrno(err, 'EAGAIN') && !isErrno(err, 'EWOULDBLOCK')) throw err;
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
