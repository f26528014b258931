/**
 * Writing a bundle's config.json (runtime-spec/bundle.md) atomically: a temp file in the bundle
 * directory, fsync, rename over config.json, fsync of the directory — a crash leaves the old
 * file or the new one, never a torn one. Two-space indentation and a trailing newline, as umoci
 * writes it (runc uses tabs; the JSON is the same).
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { RuntimeSpec } from './spec-types.js';

export function writeBundleConfig(bundleDir: string, spec: RuntimeSpec): void {
  const final = join(bundleDir, 'config.json');
  const tmp = join(bundleDir, `.config.json.${process.pid}.${Date.now()}.tmp`);
  const data = Buffer.from(`${JSON.stringify(spec, null, 2)}\n`);
  const fd = openSync(tmp, 'wx', 0o644);
  try {
    try {
      let off = 0;
      while (off < data.length) off += writeSync(fd, data, off, data.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, final);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  const dirfd = openSync(bundleDir, 'r');
  try {
    fsyncSync(dirfd);
  } finally {
    closeSync(dirfd);
  }
}
