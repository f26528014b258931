/**
 * The container's root filesystem: an overlay of the image's snapshots (read-only lowerdirs,
 * shared by every container of the image) under the container's own upperdir, so creating a
 * container copies nothing (issue 5). Lowerdirs are passed relative to the snapshots directory
 * (the mount is made from there) so a many-layer image still fits the one page the kernel takes
 * for options. mount(2) and umount2(2) are called through the addon, not mount(8): a fork+exec
 * less on every run and rm (bench/run.ts).
 */
import { closeSync, constants, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, relative } from 'node:path';
import { HullError } from '../../errors.js';
import { MNT_DETACH, native } from '../../native.js';

export async function mountRootfs(o: {
  lowerdirs: string[];
  snapshotsDir: string;
  upper: string;
  work: string;
  target: string;
  emptyDir: string;
}): Promise<void> {
  mkdirSync(o.upper, { recursive: true });
  mkdirSync(o.work, { recursive: true });
  mkdirSync(o.target, { recursive: true });
  const lowers = o.lowerdirs.length ? o.lowerdirs : [o.emptyDir];
  if (!o.lowerdirs.length) mkdirSync(o.emptyDir, { recursive: true });
  const rel = lowers.map((d) => relative(o.snapshotsDir, d)).join(':');
  const options = `lowerdir=${rel},upperdir=${o.upper},workdir=${o.work},index=off`;
  try {
    native().mount('overlay', o.target, 'overlay', 0, options, o.snapshotsDir);
  } catch (err) {
    throw new HullError(
      'MOUNT_FAILED',
      `mounting the container's overlay rootfs at ${o.target}: ${(err as Error).message}`,
    );
  }
}

export function isMounted(target: string): boolean {
  try {
    return readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .some((l) => l.split(' ')[4] === target);
  } catch {
    return false;
  }
}

/** Unmounts if mounted; a busy mount is detached lazily so removal can go on. */
export async function unmountRootfs(target: string): Promise<void> {
  if (!isMounted(target)) return;
  try {
    native().umount2(target, 0);
  } catch {
    try {
      native().umount2(target, MNT_DETACH);
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
