/**
 * Shared by the monitor tests: containers created under hull-monitor either through the
 * runtime library (hull-init launched by the monitor) or through runc's or crun's CLI, from this process
 * or from a child Node process that exits right after create (create-child.ts), then started
 * with the runtime's own CLI. Every container gets a unique id and a temp root.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after } from 'node:test';
import { runtimeArgv } from '../../../src/engine/containers/runtime.js';
import type { MonitorOptions } from '../../../src/engine/monitor/index.js';
import type { RuntimeConfig } from '../../../src/oci/runtime/types.js';
import { repoRoot } from '../../helpers/fixtures.js';
import { bundle, type Rt, runtime } from '../../runtime/helpers.js';

/** The runtime library, or an OCI runtime's CLI. */
export type Kind = 'library' | 'runc' | 'crun';
export const kinds: Kind[] = ['library', 'runc', 'crun'];

let seq = 0;

let crunProbe: string | false | undefined;

/**
 * Why this kind cannot run here, or false. crun 1.8 refuses hosts in hybrid cgroup mode with
 * controllers on the unified hierarchy; a trivial `crun run` tells.
 */
export function kindSkip(kind: Kind): string | false {
  if (process.getuid?.() !== 0) return 'needs root';
  if (kind !== 'crun') return false;
  if (crunProbe === undefined) {
    const rt = runtime();
    const b = bundle(rt, ['true'], (c) => {
      c.ociVersion = '1.0.2';
    });
    const [file, argv] = runtimeArgv('crun', [
      '--root',
      join(rt.dir, 'probe-root'),
      'run',
      '--bundle',
      b,
      `probe-${process.pid}`,
    ]);
    const r = spawnSync(file, argv, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 30_000,
    });
    crunProbe =
      r.status === 0 ? false : `crun cannot run a container on this host: ${(r.stderr || String(r.error)).trim()}`;
  }
  return crunProbe;
}

export interface Box {
  kind: Kind;
  rt: Rt;
  id: string;
  bundle: string;
  /** The engine's containers/<id>. */
  dir: string;
  /** The runtime's --root. */
  root: string;
  mon: MonitorOptions;
}

/** A container (not created yet): bundle with `args`, a container dir, monitor options. */
export function box(
  kind: Kind,
  args: string[],
  mon: Partial<MonitorOptions> = {},
  edit?: (c: RuntimeConfig) => void,
): Box {
  const id = `mon-${kind}-${process.pid}-${seq++}`;
  let bx: Box | undefined;
  // Registered before runtime()'s temp dir cleanup (after hooks run in order): the container is
  // deleted (its init killed, so the monitor exits) while the runtime's state still exists.
  after(() => {
    if (bx) cli(bx, ['delete', '--force', id]);
  });
  const rt = runtime();
  const b = bundle(rt, args, (c) => {
    // Debian's crun 1.8 refuses ociVersion 1.1+ ("unknown version specified").
    if (kind === 'crun') c.ociVersion = '1.0.2';
    edit?.(c);
  });
  const dir = join(rt.dir, 'containers', id);
  mkdirSync(dir, { recursive: true });
  const root = join(rt.dir, `${kind}-root`);
  bx = { kind, rt, id, bundle: b, dir, root, mon: { containerDir: dir, pidFile: join(dir, 'pidfile'), ...mon } };
  return bx;
}

/** The runtime's CLI: bin/hull-runtime, runc or crun, with the box's --root. */
export function cli(bx: Box, args: string[]): { status: number; stdout: string; stderr: string } {
  const bin = bx.kind === 'library' ? join(repoRoot, 'bin', 'hull-runtime') : bx.kind;
  const [file, argv] = runtimeArgv(bin, ['--root', bx.root, ...args]);
  const r = spawnSync(file, argv, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 30_000,
  });
  return { status: r.status ?? 128, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

export function start(bx: Box): void {
  const r = cli(bx, ['start', bx.id]);
  if (r.status !== 0) throw new Error(`start ${bx.id}: ${r.stderr}`);
}

/** What create-child.ts prints. */
export interface ChildResult {
  ok: boolean;
  status?: number;
  stderr?: string;
  error?: string;
  monitorPid?: number;
}

/** Creates the container from a separate Node process, which exits once create returns. */
export function createFromChild(bx: Box): ChildResult {
  const script = join(repoRoot, 'dist/test/engine/monitor/create-child.js');
  const req = { kind: bx.kind, root: bx.root, id: bx.id, bundle: bx.bundle, mon: bx.mon };
  const r = spawnSync(process.execPath, [script, JSON.stringify(req)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 30_000,
  });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`create-child exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as ChildResult;
}

/** Creates the container from this process. */
export async function createHere(bx: Box): Promise<ChildResult> {
  const { createUnderMonitor } = await import('./create-child.js');
  return createUnderMonitor(bx.kind, bx.root, bx.id, bx.bundle, bx.mon);
}

/** Creates the container from this process; a failure is thrown with the runtime's message. */
export async function created(bx: Box): Promise<void> {
  const r = await createHere(bx);
  if (!r.ok) throw new Error(`create ${bx.id} (${bx.kind}): ${r.error ?? `status ${r.status}: ${r.stderr}`}`);
}

export async function waitFor(cond: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
