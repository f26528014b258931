/**
 * Writing a bundle's config.json (runtime-spec/bundle.md) atomically: a temp file in the bundle
 * directory, fsync, rename over config.json, fsync of the directory — a crash leaves the old
 * file or the new one, never a torn one. Two-space indentation and a trailing newline, as umoci
 * writes it (runc uses tabs; the JSON is the same). `durable: false` (the engine, for the bundles
 * of its containers, as podman does) keeps the temp + rename, so no reader sees a torn file,
 * but skips both fsyncs: they were ~3 ms of every `hull run` (bench/run.ts).
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { RuntimeSpec } from './spec-types.js';

export function writeBundleConfig(bundleDir: string, spec: RuntimeSpec, o: { durable?: boolean } = {}): void {
  const durable = o.durable ?? true;
  const final = join(bundleDir, 'config.json');
  const tmp = join(bundleDir, `.config.json.${process.pid}.${Date.now()}.tmp`);
  const data = Buffer.from(`${JSON.stringify(spec, null, 2)}\n`);
  const fd = openSync(tmp, 'wx', 0o644);
  try {
    try {
      let off = 0;
      while (off < data.length) off += writeSync(fd, data, off, data.length - off);
      if (durable) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, final);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  if (!durable) return;
  const dirfd = openSync(bundleDir, 'r');
  try {
    fsyncSync(dirfd);
  } finally {
    closeSync(dirfd);
  }
}
