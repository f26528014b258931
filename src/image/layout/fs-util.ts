/**
 * Durable file writes for the layout: write a temp file, fsync it, rename it into place and
 * fsync the directory, so a crash leaves either the old file or the new one, never a torn one.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** Prefix of in-progress files inside blobs/ (swept by gc once stale, skipped by archives). */
export const TEMP_PREFIX = '.tmp-';

export function tempPath(dir: string): string {
  return join(dir, `${TEMP_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`);
}

/** fsync a directory so a rename or create inside it survives a crash. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes `data` to a temp file in `tempDir` (same filesystem as `path`), then renames it to `path`. */
export async function writeFileAtomic(path: string, data: Buffer | string, tempDir = dirname(path)): Promise<void> {
  const tmp = tempPath(tempDir);
  try {
    const handle = await open(tmp, 'wx', 0o644);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await fsyncDir(dirname(path));
}
