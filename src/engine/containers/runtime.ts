/**
 * The OCI runtime under the engine. hull-runtime is used as a library (no Node process per
 * verb, issue 5); any other runtime (runc, crun, a path) through runc's CLI, which they all
 * share. Either way the container is created under the container's monitor, which becomes the
 * container's parent (a subreaper) and outlives this hull process.
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { HullError } from '../../errors.js';
import type { RuntimeConfig } from '../../oci/runtime/types.js';
import { detectCgroupMode } from '../../runtime/cgroups/mode.js';
import type { Logger } from '../../runtime/cli/log.js';
import { consoleSocketFor, startConsoleRelay } from '../monitor/console.js';
import { type MonitorOptions, monitorLauncher, spawnMonitorWithCommand } from '../monitor/index.js';

export interface RuntimeDriver {
  readonly name: string;
  /**
   * `spec`: the config.json just written to the bundle, when the caller has it — the library
   * then neither reads nor validates it again (the engine built it); a CLI runtime reads the file.
   */
  create(id: string, bundle: string, monitor: MonitorOptions, spec?: RuntimeConfig): Promise<void>;
  start(id: string): Promise<void>;
  kill(id: string, signal: string, all?: boolean): Promise<void>;
  delete(id: string, force: boolean): Promise<void>;
  exec(id: string, o: ExecRequest): Promise<number>;
}

export interface ExecRequest {
  args: string[];
  env: string[];
  cwd?: string;
  user?: string;
  tty: boolean;
  /** docker's -i: with tty, what is typed on this terminal goes to the exec'd process. */
  interactive: boolean;
  detach: boolean;
}

const quietLog: Logger = {
  debug() {},
  warn(msg) {
    process.stderr.write(`hull: warning: ${msg}\n`);
  },
  error() {},
};

class LibraryRuntime implements RuntimeDriver {
  readonly name = 'hull-runtime';
  constructor(private readonly root: string) {}

  async create(id: string, bundle: string, monitor: MonitorOptions, spec?: RuntimeConfig): Promise<void> {
    const { create } = await import('../../runtime/ops/create.js');
    const sock = monitor.terminal ? consoleSocketFor(monitor.containerDir) : undefined;
    try {
      await create({
        root: this.root,
        id,
        bundle,
        config: spec,
        pidFile: monitor.pidFile,
        consoleSocket: sock?.path,
        log: quietLog,
        launcher: monitorLauncher(monitor),
      });
    } finally {
      sock?.release();
    }
  }
  async start(id: string): Promise<void> {
    const { start } = await import('../../runtime/ops/start.js');
    await start(this.root, id);
  }
  async kill(id: string, signal: string, all = false): Promise<void> {
    const { kill } = await import('../../runtime/ops/kill.js');
    await kill(this.root, id, signal, all);
  }
  async delete(id: string, force: boolean): Promise<void> {
    const { del } = await import('../../runtime/ops/delete.js');
    await del(this.root, id, force, quietLog);
  }
  async exec(id: string, o: ExecRequest): Promise<number> {
    const { exec } = await import('../../runtime/ops/exec.js');
    const run = (consoleSocket?: string) =>
      exec({
        root: this.root,
        id,
        args: o.args,
        tty: o.tty,
        consoleSocket,
        detach: o.detach,
        env: o.env,
        cwd: o.cwd,
        user: o.user,
        additionalGids: [],
        caps: [],
        noNewPrivs: false,
        preserveFds: 0,
        log: quietLog,
      });
    if (!o.tty) return run();
    // The pty master comes over a console socket, which Node cannot read: hull-monitor's relay
    // receives it and runs the terminal (src/engine/monitor/console.ts). runc and crun do this
    // themselves for a foreground `exec --tty`.
    const relay = await startConsoleRelay(o.interactive);
    let code: number;
    try {
      code = await run(relay.path);
    } catch (err) {
      await relay.abort();
      throw err;
    }
    await relay.finish();
    return code;
  }
}

/** A hybrid cgroup host (v1 hierarchies plus cgroup2 at /sys/fs/cgroup/unified), as the runtime sees it. */
function hybridCgroups(): boolean {
  try {
    return detectCgroupMode() === 'hybrid';
  } catch {
    return false; // no cgroups mounted: crun says so itself
  }
}

/**
 * How to run `bin ARGS`: as is, or for crun on a hybrid host in a private mount namespace
 * without /sys/fs/cgroup/unified. crun refuses hybrid hosts ("cgroups in hybrid mode not
 * supported"); without the cgroup2 mount it sees a plain v1 host and manages the v1
 * hierarchies, and the container's own mounts come from its config as always. Every crun call
 * (create, start, kill, delete, exec) gets the same view.
 */
export function runtimeArgv(bin: string, args: string[]): [string, string[]] {
  if (basename(bin) !== 'crun' || !hybridCgroups()) return [bin, args];
  return [
    'unshare',
    [
      '--mount',
      '--propagation',
      'private',
      '--',
      'sh',
      '-c',
      'umount -l /sys/fs/cgroup/unified && exec "$@"',
      'sh',
      bin,
      ...args,
    ],
  ];
}

class CliRuntime implements RuntimeDriver {
  constructor(
    readonly name: string,
    private readonly bin: string,
    private readonly root: string,
  ) {}

  private async call(args: string[]): Promise<void> {
    try {
      // node:child_process only for a CLI runtime: `hull run` with hull-runtime never loads it.
      const { execFile } = await import('node:child_process');
      const [file, argv] = runtimeArgv(this.bin, ['--root', this.root, ...args]);
      await promisify(execFile)(file, argv, { maxBuffer: 16 * 1024 * 1024 });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      const line = (e.stderr ?? '').trim().split('\n').pop() || e.message;
      throw new HullError('RUNTIME_FAILED', `${this.name} ${args[0]}: ${line}`);
    }
  }
  async create(id: string, bundle: string, monitor: MonitorOptions): Promise<void> {
    const args = ['--root', this.root, 'create', '--bundle', bundle, '--pid-file', monitor.pidFile];
    const sock = monitor.terminal ? consoleSocketFor(monitor.containerDir) : undefined;
    if (sock) args.push('--console-socket', sock.path);
    args.push(id);
    const [file, argv] = runtimeArgv(this.bin, args);
    const { status, stderr } = await spawnMonitorWithCommand(monitor, [file, ...argv]).finally(() => sock?.release());
    if (status !== 0) {
      const line = (stderr ?? '').trim().split('\n').pop();
      throw new HullError(
        'RUNTIME_FAILED',
        `${this.name} create exited with status ${status}${line ? `: ${line}` : ''}`,
      );
    }
  }
  start(id: string): Promise<void> {
    return this.call(['start', id]);
  }
  kill(id: string, signal: string, all = false): Promise<void> {
    return this.call(['kill', ...(all ? ['--all'] : []), id, signal]);
  }
  delete(id: string, force: boolean): Promise<void> {
    return this.call(['delete', ...(force ? ['--force'] : []), id]);
  }
  async exec(id: string, o: ExecRequest): Promise<number> {
    const { spawn } = await import('node:child_process');
    const args = ['--root', this.root, 'exec'];
    if (o.tty) args.push('--tty');
    if (o.detach) args.push('--detach');
    for (const e of o.env) args.push('--env', e);
    if (o.cwd) args.push('--cwd', o.cwd);
    if (o.user) args.push('--user', o.user);
    args.push(id, ...o.args);
    // docker exec without -i gives the process no input, terminal or not.
    const [file, argv] = runtimeArgv(this.bin, args);
    const child = spawn(file, argv, { stdio: [o.interactive ? 'inherit' : 'ignore', 'inherit', 'inherit'] });
    return new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (code, sig) => resolve(code ?? 128 + (sig ? 9 : 0)));
    });
  }
}

function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    const p = join(dir, name);
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

/** `--runtime NAME|PATH`: hull-runtime (default, the library) or an OCI runtime CLI. */
export function openRuntime(name: string, runtimeRoot: string): RuntimeDriver {
  if (name === 'hull-runtime' || name === '' || name === 'hull') return new LibraryRuntime(runtimeRoot);
  const bin = name.includes('/') ? name : which(name);
  if (!bin || !existsSync(bin)) {
    throw new HullError('NO_RUNTIME', `OCI runtime "${name}" not found${name.includes('/') ? '' : ' in $PATH'}`);
  }
  const base = bin.split('/').pop() ?? name;
  return new CliRuntime(name, bin, join(runtimeRoot, base));
}
