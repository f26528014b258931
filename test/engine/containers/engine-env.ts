/**
 * A private engine for a test file: its own --root, a hull registry holding a busybox image
 * built from busybox-static (with Env, WorkingDir, Entrypoint-free Cmd), and helpers to run the
 * hull CLI against both. Each file gets its own, so test files can run in parallel.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

export function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m.startsWith(dir));
}

export function exists(p: string): boolean {
  return existsSync(p);
}
