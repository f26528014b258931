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
 *
 * The syscalls go through the addon (src/native.ts: a thread unshares the namespace, brings lo
 * up and bind-mounts it), not unshare(1) + ip(8) and umount(8): two fork+execs less per
 * container (bench/run.ts).
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { HullError } from '../../errors.js';
import { MNT_DETACH, MS_BIND, MS_SHARED, native } from '../../native.js';

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

/** Makes `dir` (for namespace files) a shared mount of itself, once. */
export function ensureSharedDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const mounted = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((l) => unescapeMountinfo(l.split(' ')[4] ?? '') === dir);
  if (mounted) return;
  try {
    native().mount(dir, dir, '', MS_BIND, '');
    native().mount('', dir, '', MS_SHARED, '');
  } catch (err) {
    // A racing hull made it a mount point first; a missing shared flag only delays freeing.
    if (!readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${dir} `)) throw err;
  }
}

/** The file container `id`'s network namespace will be bound on: made, with no namespace on it yet. */
export function prepareNetnsFile(id: string): string {
  const path = netnsPath(id);
  ensureSharedDir(NETNS_DIR);
  if (isNetnsMounted(path))
    throw new HullError('NETNS_EXISTS', `network namespace ${path} already exists (container id in use?)`);
  closeSync(openSync(path, 'w')); // the bind mount's target; a stale one from before a reboot is reused
  return path;
}

export function createNetns(id: string): string {
  const path = prepareNetnsFile(id);
  try {
    // The namespace, bound onto the file (persistent, as `ip netns add`), lo up.
    native().netnsCreate(path);
  } catch (err) {
    removeNetns(id);
    throw new HullError('NETNS_FAILED', `cannot create network namespace ${path}: ${(err as Error).message}`);
  }
  return path;
}

/** Unmounts and deletes the namespace file; nothing to do is not an error. */
export function removeNetns(id: string): void {
  removeNamespaceFile(netnsPath(id));
}

/** Unmounts and deletes a bind-mounted namespace file (network or user); idempotent. */
export function removeNamespaceFile(path: string): void {
  if (!existsSync(path)) return;
  if (isNetnsMounted(path)) {
    try {
      native().umount2(path, MNT_DETACH);
    } catch (err) {
      if (isNetnsMounted(path)) {
        throw new HullError('NETNS_FAILED', `cannot unmount namespace ${path}: ${(err as Error).message}`);
      }
    }
  }
  rmSync(path, { force: true });
}
