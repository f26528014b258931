/**
 * The container's root filesystem: an overlay of the image's snapshots (read-only lowerdirs,
 * shared by every container of the image) under the container's own upperdir, so creating a
 * container copies nothing (issue 5). Lowerdirs are passed relative to the snapshots directory
 * (the mount is made from there) so a many-layer image still fits the one page the kernel takes
 * for options. mount(2) and umount2(2) are called through the addon, not mount(8): a fork+exec
 * less on every run and rm (bench/run.ts).
 */
import { chmodSync, chownSync, closeSync, constants, mkdirSync, openSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, relative } from 'node:path';
import { HullError } from '../../errors.js';
import { MNT_DETACH, native, UMOUNT_NOFOLLOW } from '../../native.js';
import type { IdMap } from './userns.js';

export async function mountRootfs(o: {
  lowerdirs: string[];
  snapshotsDir: string;
  upper: string;
  work: string;
  target: string;
  emptyDir: string;
  /**
   * The overlay's `volatile` option: no sync of the upper layer at unmount (~1 ms of every
   * `run --rm`; podman mounts --rm containers so too). Only for a container that is never
   * mounted again: after a volatile mount the kernel refuses to remount its workdir.
   */
  volatile?: boolean;
  /**
   * --user-ns auto: the layers are seen through idmapped mounts (their root is the range's
   * first id), and the upper layer's root belongs to the container's root.
   */
  idMap?: IdMap & { userns: string };
}): Promise<void> {
  mkdirSync(o.upper, { recursive: true });
  mkdirSync(o.work, { recursive: true });
  mkdirSync(o.target, { recursive: true });
  const lowers = o.lowerdirs.length ? o.lowerdirs : [o.emptyDir];
  if (!o.lowerdirs.length) mkdirSync(o.emptyDir, { recursive: true });
  let fds: number[] = [];
  let rel: string;
  if (o.idMap) {
    const { uid, gid, userns } = o.idMap;
    // The merged root takes the upper root's owner and mode (the lowers' top as the image has it).
    chownSync(o.upper, uid, gid);
    chmodSync(o.upper, statSync(lowers[0] as string).mode & 0o7777);
    try {
      fds = native().idmappedTrees(lowers, userns);
    } catch (err) {
      throw new HullError('MOUNT_FAILED', `--user-ns auto: idmapping the image's layers: ${(err as Error).message}`);
    }
    // Top-most first, as overlay lists lowerdirs; /proc/self/fd/N names each detached mount.
    rel = fds.map((fd) => `/proc/self/fd/${fd}`).join(':');
  } else {
    rel = lowers.map((d) => relative(o.snapshotsDir, d)).join(':');
  }
  const options = `lowerdir=${rel},upperdir=${o.upper},workdir=${o.work},index=off${o.volatile ? ',volatile' : ''}`;
  try {
    native().mount('overlay', o.target, 'overlay', 0, options, o.snapshotsDir);
  } catch (err) {
    throw new HullError(
      'MOUNT_FAILED',
      `mounting the container's overlay rootfs at ${o.target}: ${(err as Error).message}`,
    );
  } finally {
    // The overlay holds its own clones of its layers: the detached idmapped mounts can go.
    for (const fd of fds) closeSync(fd);
  }
}

/**
 * Unmounts if mounted (EINVAL: not a mount point; ENOENT: no such path — both already done,
 * found without reading /proc/self/mountinfo); a busy mount is detached lazily so removal can go
 * on.
 */
export async function unmountRootfs(target: string): Promise<void> {
  try {
    native().umount2(target, UMOUNT_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EINVAL' || code === 'ENOENT') return;
    try {
      native().umount2(target, MNT_DETACH | UMOUNT_NOFOLLOW);
    } catch {
      // gone meanwhile
    }
  }
}

/**
 * `rm -rf` of a container's directory through the addon: no JavaScript per entry (rmSync's is
 * ~3 ms of a `hull run --rm`, bench/run.ts). Anything it cannot remove (a monitor still
 * writing there) goes to rmSync, which retries.
 */
/** removeDir on libuv's thread pool: the main thread goes on meanwhile (`rm` of a container). */
export async function removeDirAsync(dir: string): Promise<void> {
  let rc = -1;
  try {
    const fd = openSync(dirname(dir), constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      rc = await new Promise<number>((resolve) => {
        const queued = native().removeAllAtAsync(fd, basename(dir), (_e, r) => resolve(r));
        if (queued !== 0) resolve(queued);
      });
    } finally {
      closeSync(fd); // the work has its own copy
    }
  } catch {
    // the parent is gone, or the addon failed: rmSync says why
  }
  if (rc !== 0) rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
}

export function removeDir(dir: string): void {
  try {
    const fd = openSync(dirname(dir), constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      if (native().removeAllAt(fd, basename(dir)) === 0) return;
    } finally {
      closeSync(fd);
    }
  } catch {
    // the parent is gone, or the addon failed: rmSync says why
  }
  rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
}
