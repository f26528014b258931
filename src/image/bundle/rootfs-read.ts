/**
 * Reading a file of an unpacked root filesystem *as the container would see it*: the rootfs's
 * symlinks resolve against the rootfs, never the host. openat2(2) with RESOLVE_IN_ROOT makes the
 * kernel treat the rootfs directory as "/" for the whole lookup, including absolute symlink
 * targets and "..", so an image shipping etc/passwd -> /etc/shadow reads the rootfs's
 * etc/shadow, not the host's.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { HullError, isErrno } from '../../errors.js';
import { native, RESOLVE_IN_ROOT } from '../../native.js';

/** O_CLOEXEC (not in Node's fs.constants on every platform): the fd must not leak into children. */
const O_CLOEXEC = 0o2000000;

/** passwd and group files are small; refuse to read anything absurd into memory. */
const MAX_SIZE = 16 * 1024 * 1024;

/**
 * The contents of `rel` (relative to the rootfs, e.g. 'etc/passwd'), or undefined when it does
 * not exist in the rootfs. A path that exists but is not a regular file is an error: reading a
 * FIFO would block and a device would never end (O_NONBLOCK keeps the open itself from blocking).
 */
export function readRootfsFile(rootfsDir: string, rel: string): string | undefined {
  const rootfd = openSync(rootfsDir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    let fd: number;
    try {
      fd = native().openat2(rootfd, rel, constants.O_RDONLY | constants.O_NONBLOCK | O_CLOEXEC, 0, RESOLVE_IN_ROOT);
    } catch (err) {
      if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR') || isErrno(err, 'ELOOP')) return undefined;
      throw err;
    }
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) {
        throw new HullError('ROOTFS_FILE_INVALID', `${rootfsDir}/${rel}: not a regular file`, {
          file: `${rootfsDir}/${rel}`,
        });
      }
      if (st.size > MAX_SIZE) {
        throw new HullError('ROOTFS_FILE_INVALID', `${rootfsDir}/${rel}: larger than ${MAX_SIZE} bytes`, {
          file: `${rootfsDir}/${rel}`,
        });
      }
      const chunks: Buffer[] = [];
      let total = 0;
      for (;;) {
        const buf = Buffer.alloc(64 * 1024);
        const n = readSync(fd, buf, 0, buf.length, null);
        if (n === 0) break;
        total += n;
        if (total > MAX_SIZE) {
          throw new HullError('ROOTFS_FILE_INVALID', `${rootfsDir}/${rel}: larger than ${MAX_SIZE} bytes`, {
            file: `${rootfsDir}/${rel}`,
          });
        }
        chunks.push(buf.subarray(0, n));
      }
      return Buffer.concat(chunks).toString('utf8');
    } finally {
      closeSync(fd);
    }
  } finally {
    closeSync(rootfd);
  }
}
