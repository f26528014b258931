/**
 * A container's network namespace, kept alive by a bind mount of its nsfs file on
 * /run/hull/netns/ID (as `ip netns add` keeps /run/netns/NAME), so CNI plugins can enter it
 * before the container exists and after it exits (SPEC.md section 3: "The container runtime must
 * create a new network namespace for the container before invoking any plugins" and "is
 * responsible for cleanup of the container's network namespace"). Loopback comes up here, so
 * `--network none` has a working lo and nothing else.
 *
 * As iproute2 does for /run/netns, the directory is made a shared mount of itself: a namespace
 * unmounted here is then unmounted in every mount namespace that copied it, and can be freed.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { HullError } from '../../errors.js';

export const NETNS_DIR = '/run/hull/netns';
/** linux/magic.h NSFS_MAGIC: what statfs reports for a bind-mounted namespace file. */
const NSFS_MAGIC = 0x6e736673;
const ID = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export function netnsPath(id: string): string {
  if (!ID.test(id) || id.length > 128)
    throw new HullError('INVALID_CONTAINER_ID', `'${id}' cannot name a network namespace (cni SPEC.md section 2)`);
  return join(NETNS_DIR, id);
}

/** True when `path` is a live namespace (a mounted nsfs file), false for a leftover plain file. */
export function isNetnsMounted(path: string): boolean {
  try {
    return statfsSync(path).type === NSFS_MAGIC;
  } catch {
    return false;
  }
}

function unescapeMountinfo(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
}

function ensureSharedDir(): void {
  mkdirSync(NETNS_DIR, { recursive: true, mode: 0o755 });
  const mounted = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((l) => unescapeMountinfo(l.split(' ')[4] ?? '') === NETNS_DIR);
  if (mounted) return;
  try {
    execFileSync('mount', ['--bind', NETNS_DIR, NETNS_DIR], { stdio: 'pipe' });
    execFileSync('mount', ['--make-shared', NETNS_DIR], { stdio: 'pipe' });
  } catch (err) {
    // A racing hull made it a mount point first; a missing shared flag only delays freeing.
    if (!readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${NETNS_DIR} `)) throw err;
  }
}

export function createNetns(id: string): string {
  const path = netnsPath(id);
  ensureSharedDir();
  if (isNetnsMounted(path))
    throw new HullError('NETNS_EXISTS', `network namespace ${path} already exists (container id in use?)`);
  closeSync(openSync(path, 'w')); // the bind mount's target; a stale one from before a reboot is reused
  try {
    // unshare(1) makes the namespace and binds it onto the file (persistent, as `ip netns add`);
    // the command run inside it brings lo up.
    execFileSync('unshare', [`--net=${path}`, 'ip', 'link', 'set', 'lo', 'up'], {
      stdio: 'pipe',
      env: { ...process.env, PATH: `${process.env.PATH ?? '/usr/bin:/bin'}:/usr/sbin:/sbin` },
    });
  } catch (err) {
    removeNetns(id);
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new HullError('NETNS_FAILED', `cannot create network namespace ${path}: ${stderr || (err as Error).message}`);
  }
  return path;
}

/** Unmounts and deletes the namespace file; nothing to do is not an error. */
export function removeNetns(id: string): void {
  const path = netnsPath(id);
  if (!existsSync(path)) return;
  if (isNetnsMounted(path)) {
    try {
      execFileSync('umount', ['--lazy', path], { stdio: 'pipe' });
    } catch (err) {
      if (isNetnsMounted(path)) {
        const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
        throw new HullError('NETNS_FAILED', `cannot unmount network namespace ${path}: ${stderr}`);
      }
    }
  }
  rmSync(path, { force: true });
}
