/**
 * A private engine for a test file: its own --root, a hull registry holding a busybox image
 * built from busybox-static (with Env, WorkingDir, Entrypoint-free Cmd), and helpers to run the
 * hull CLI against both. Each file gets its own, so test files can run in parallel.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { enginePaths } from '../../../src/engine/paths.js';
import { busyboxRootfs } from '../../helpers/fixtures.js';
import { hull, ok, type RunResult } from '../../helpers/run.js';
import { spawnRegistry } from '../../registry/server/child.js';

export interface EngineEnv {
  root: string;
  /** host:port of the registry; the image is `${host}/busybox:latest`. */
  host: string;
  image: string;
  hull(args: string[], env?: NodeJS.ProcessEnv): RunResult;
  /** hull that must exit 0. */
  ok(args: string[]): RunResult;
  /** Removes every container left and stops the registry: call from the suite's after(). */
  close(): Promise<void>;
}

export async function engineEnv(): Promise<EngineEnv> {
  // Not tempDir(): its after() would run as soon as the before() hook calling this ends.
  const work = mkdtempSync(join(tmpdir(), 'hull-engine-'));
  const root = join(work, 'root');
  const reg = await spawnRegistry(join(work, 'registry'), [], '127.0.0.1:0', false);
  const layout = join(work, 'layout');
  ok('hull', [
    'import',
    busyboxRootfs(),
    `oci:${layout}:latest`,
    '--env',
    'GREETING=hello from the image',
    '--workdir',
    '/tmp',
    '--cmd',
    'sh',
  ]);
  ok('hull', ['copy', '--dest-tls-verify=false', `oci:${layout}:latest`, `docker://${reg.host}/busybox:latest`]);
  const env: EngineEnv = {
    root,
    host: reg.host,
    image: `${reg.host}/busybox:latest`,
    hull: (args, e) => hull(withRoot(args, root), { env: e }),
    ok: (args) => {
      const r = hull(withRoot(args, root));
      if (r.status !== 0) throw new Error(`hull ${args.join(' ')} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
      return r;
    },
    async close() {
      // Remove every container this file left, so no monitor, mount or netns outlives the tests.
      const ids = hull(['ps', '-aq', '--no-trunc', '--root', root]).stdout.split('\n').filter(Boolean);
      if (ids.length) hull(['rm', '-f', '--root', root, ...ids]);
      await reg.stop('SIGKILL');
      // Monitors run `hull container cleanup --root ROOT` as containers exit: let them finish
      // before the directory goes (they open the database, which recreates its WAL files).
      for (let i = 0; i < 100 && busy(root); i++) await new Promise((r) => setTimeout(r, 100));
      rmSync(work, { recursive: true, force: true });
    },
  };
  return env;
}

function busy(root: string): boolean {
  try {
    execFileSync('pgrep', ['-f', `--root ${root}( |$)`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Puts --root right after the command (and its subcommand, for `volume ls` etc.). */
function withRoot(args: string[], root: string): string[] {
  const [cmd, ...rest] = args;
  const sub = ['volume', 'network', 'system', 'container'].includes(cmd ?? '') ? 1 : 0;
  return [cmd as string, ...rest.slice(0, sub), '--root', root, ...rest.slice(sub)];
}

/** The engine's mounts: under --root and under its run-time directory on /run. */
export function engineMounts(root: string): string[] {
  return [...mountsUnder(root), ...mountsUnder(dirname(enginePaths(root).runtimeRoot))];
}

/** The container directories the engine has, under --root and on /run (ids, both listed). */
export function containerDirs(root: string): string[] {
  const p = enginePaths(root);
  return [p.containers, p.runContainers].flatMap((d) => (existsSync(d) ? readdirSync(d) : []));
}

export function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m.startsWith(dir));
}

/** A port nothing listens on right now (the kernel's pick, released at once). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** A short random suffix, so names (networks, bridges, containers) never collide across files. */
export function suffix(): string {
  return Math.random().toString(36).slice(2, 8);
}

/** docker inspect's document for one container, through `hull ps -a --format json`. */
export function inspectOf(e: EngineEnv, name: string): ContainerDoc {
  const all = JSON.parse(e.ok(['ps', '-a', '--no-trunc', '--format', 'json']).stdout) as ContainerDoc[];
  const doc = all.find((c) => c.Name === `/${name}` || c.Id === name);
  if (!doc) throw new Error(`no container ${name} in hull ps -a`);
  return doc;
}

export interface ContainerDoc {
  Id: string;
  Name: string;
  State: { Status: string; ExitCode: number; Pid: number };
  NetworkSettings: { IPAddress: string; Networks: Record<string, { IPAddress: string }> };
}

/**
 * Everything a container can leave on the host, by container id: mounts under the root, its
 * netns file, CNI leases (host-local's files hold the id), iptables rules (portmap and bridge
 * comment theirs with the id), runtime state, cgroups. Empty when nothing is left.
 */
export function leftovers(root: string, id: string, runtimeRoot: string): string[] {
  const out: string[] = [];
  for (const m of [...mountsUnder(root), ...mountsUnder(dirname(runtimeRoot))])
    if (m.includes(id)) out.push(`mount ${m}`);
  if (existsSync(`/run/hull/netns/${id}`)) out.push(`netns /run/hull/netns/${id}`);
  if (existsSync(`/run/hull/userns/${id}`)) out.push(`userns /run/hull/userns/${id}`);
  const leases = '/var/lib/cni/networks';
  if (existsSync(leases)) {
    for (const net of readdirSync(leases)) {
      for (const f of readdirSync(join(leases, net))) {
        let text = '';
        try {
          text = readFileSync(join(leases, net, f), 'utf8');
        } catch {
          continue;
        }
        if (text.includes(id)) out.push(`CNI lease ${net}/${f}`);
      }
    }
  }
  // The plugins' iptables (nft on Debian 12), and the legacy tables should anything use them.
  for (const save of ['iptables-save', 'iptables-legacy-save', 'ip6tables-save']) {
    let rules = '';
    try {
      rules = execFileSync(save, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      continue; // not installed
    }
    for (const l of rules.split('\n')) if (l.includes(id)) out.push(`${save}: ${l}`);
  }
  for (const d of [join(runtimeRoot, id), join(runtimeRoot, 'runc', id), join(runtimeRoot, 'crun', id)])
    if (existsSync(d)) out.push(`runtime state ${d}`);
  for (const d of [join(dirname(runtimeRoot), 'containers', id), join(root, 'containers', id)])
    if (existsSync(d)) out.push(`container directory ${d}`);
  for (const ctrl of readdirSync('/sys/fs/cgroup')) {
    for (const p of [`/sys/fs/cgroup/${ctrl}/hull/${id}`, `/sys/fs/cgroup/hull/${id}`])
      if (existsSync(p)) out.push(`cgroup ${p}`);
  }
  return [...new Set(out)];
}
