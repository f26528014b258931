/**
 * The container's root filesystem: an overlay of the image's snapshots (read-only lowerdirs,
 * shared by every container of the image) under the container's own upperdir, so creating a
 * container copies nothing (issue 5). Lowerdirs are passed relative to the snapshots directory
 * (mount runs there) so a many-layer image still fits the one page the kernel takes for options.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { promisify } from 'node:util';
import { HullError } from '../../errors.js';

const execFileP = promisify(execFile);

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
    await execFileP('mount', ['-t', 'overlay', 'overlay', '-o', options, o.target], { cwd: o.snapshotsDir });
  } catch (err) {
    const msg = ((err as { stderr?: string }).stderr ?? (err as Error).message).trim();
    throw new HullError('MOUNT_FAILED', `mounting the container's overlay rootfs at ${o.target}: ${msg}`);
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
    await execFileP('umount', [target]);
  } catch {
    await execFileP('umount', ['-l', target]).catch(() => {});
  }
}
