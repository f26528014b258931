/**
 * Shared by the runtime tests. The same behavioural tests run against hull-runtime and, with
 * RUNTIME=runc, against runc, so every expectation is about what the container sees, not about
 * hull's internals. Containers live under a per-test --root so parallel test files never meet,
 * and every bundle gets a cgroupsPath of its own (cgroups are host-wide, and other runs of these
 * tests may be going on at the same time).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultSpec } from '../../src/image/bundle/default-spec.js';
import type { RuntimeConfig } from '../../src/oci/runtime/types.js';
import { busyboxRootfs, repoRoot, tempDir } from '../helpers/fixtures.js';

export const isRunc = process.env.RUNTIME === 'runc';

export function runtimeBin(): string {
  return isRunc ? 'runc' : join(repoRoot, 'bin', 'hull-runtime');
}

/** Root only: namespaces, mounts and cgroups need it. */
export const skipUnlessRoot = process.getuid?.() === 0 ? false : 'needs root';

export interface Rt {
  root: string;
  dir: string;
  /** Runs the runtime with --root; stdout/stderr captured (or to files for detached containers). */
  run(
    args: string[],
    opts?: { stdout?: number; stderr?: number; input?: string },
  ): { status: number; stdout: string; stderr: string };
}

export function runtime(): Rt {
  const dir = tempDir('hull-rt-');
  const root = join(dir, 'root');
  return {
    root,
    dir,
    run(args, opts = {}) {
      const res = spawnSync(runtimeBin(), ['--root', root, ...args], {
        encoding: 'utf8',
        input: opts.input,
        stdio: [opts.input === undefined ? 'ignore' : 'pipe', opts.stdout ?? 'pipe', opts.stderr ?? 'pipe'],
        timeout: 30_000,
      });
      if (res.error) throw res.error;
      return { status: res.status ?? 128, stdout: res.stdout ?? '', stderr: res.stderr ?? '' };
    },
  };
}

let bundleCount = 0;

/** A container id no other test (or helper running tests at the same time) uses. */
export function uniq(name: string): string {
  return `${name}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * A bundle with runc's default spec (terminal false), modified by `edit`, on a private copy of the
 * busybox rootfs: runtimes create missing mount points in the rootfs, and some tests write to it,
 * so the shared fixture must never be a container's root.
 */
export function bundle(rt: Rt, args: string[], edit?: (c: RuntimeConfig) => void): string {
  const b = join(rt.dir, `bundle${bundleCount++}`);
  mkdirSync(b);
  const rootfs = join(rt.dir, 'rootfs');
  if (!existsSync(rootfs)) execFileSync('cp', ['-a', busyboxRootfs(), rootfs]);
  const spec = defaultSpec({ terminal: false }) as unknown as RuntimeConfig;
  spec.root = { path: rootfs, readonly: true };
  if (spec.process) spec.process.args = args;
  // cgroups are host-wide: a name of its own, whatever the container id (one level, so that a
  // runtime which only removes the leaf leaves nothing behind).
  if (spec.linux) spec.linux.cgroupsPath = `/${uniq('hull-test')}`;
  edit?.(spec);
  writeFileSync(join(b, 'config.json'), JSON.stringify(spec, null, 2));
  return b;
}

/** `run` in the foreground: the container's output and exit status. */
export function runContainer(rt: Rt, id: string, b: string): { status: number; stdout: string; stderr: string } {
  return rt.run(['run', '--bundle', b, id]);
}

/** `create` with the container's stdio on files (a pipe would keep spawnSync waiting for the container). */
export function createDetached(
  rt: Rt,
  id: string,
  b: string,
  extra: string[] = [],
): { status: number; stderr: string; out: string } {
  const out = join(rt.dir, `${id}.out`);
  const fd = openSync(out, 'w');
  try {
    const r = rt.run(['create', '--bundle', b, ...extra, id], { stdout: fd, stderr: fd });
    return { status: r.status, stderr: r.status ? readFileSync(out, 'utf8') : '', out };
  } finally {
    closeSync(fd);
  }
}

export function stateOf(
  rt: Rt,
  id: string,
): { status: string; pid: number; id: string; bundle: string; ociVersion: string } {
  const r = rt.run(['state', id]);
  if (r.status !== 0) throw new Error(`state ${id}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

export async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
