/**
 * One host-wide lock (flock on /run/hull/network.lock) held while a container's host ports are
 * chosen and published, so two `hull run -p 8080:80` started together cannot both see 8080 free.
 * The lock is per host, not per --root, because host ports are.
 */
import { mkdirSync } from 'node:fs';
import { withFlock } from '../../util/flock.js';

const LOCK_FILE = '/run/hull/network.lock';

export function withHostPortLock<T>(fn: () => Promise<T>): Promise<T> {
  mkdirSync('/run/hull', { recursive: true, mode: 0o755 });
  return withFlock(LOCK_FILE, 'a', 'host ports', fn);
}
