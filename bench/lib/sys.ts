/** Process and filesystem helpers shared by the benchmarks. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Runs a command to completion, throwing with its stderr if it fails. */
export function run(cmd: string, args: string[]): void {
  try {
    execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 << 20 });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`${cmd} ${args.join(' ')} failed${stderr ? `:\n${stderr}` : ''}`);
  }
}

export interface Scratch {
  dir: string;
  /** Removes the directory (unmounting it first if it is a tmpfs); safe to call twice. */
  dispose(): void;
}

/**
 * A scratch directory for outputs, optionally a fresh tmpfs (root only) to take the disk's
 * file-creation noise out of the measurement. Disposed on exit and on SIGINT/SIGTERM too.
 */
export function scratchDir(opts: { tmpfs?: boolean; size?: string; prefix?: string } = {}): Scratch {
  const dir = mkdtempSync(join(tmpdir(), opts.prefix ?? 'hull-bench-'));
  let mounted = false;
  if (opts.tmpfs) {
    run('mount', ['-t', 'tmpfs', '-o', `size=${opts.size ?? '2g'},mode=0755`, 'hull-bench', dir]);
    mounted = true;
  }
  let done = false;
  const dispose = () => {
    if (done) return;
    done = true;
    if (mounted) {
      try {
        run('umount', [dir]);
      } catch (err) {
        // Leave the mount point rather than deleting through a still-mounted tmpfs.
        console.error(String(err));
        return;
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', dispose);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      dispose();
      process.exit(130);
    });
  }
  return { dir, dispose };
}

/** Value of `--name V` in argv, or undefined; `--name` alone yields ''. */
export function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const v = argv[i + 1];
  return v === undefined || v.startsWith('--') ? '' : v;
}

/**
 * CPU seconds (user, sys) of this process's waited-for children so far — /proc/self/stat
 * cutime and cstime, which include their own waited-for descendants (zstd helpers...). The
 * delta around a run is that run's CPU cost, whatever threads it used.
 */
export function childCpu(): { user: number; sys: number } {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  // Fields after the parenthesised command name; cutime and cstime are fields 16 and 17.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const tick = 100; // USER_HZ: 100 on every Linux architecture node supports
  return { user: Number(fields[13]) / tick, sys: Number(fields[14]) / tick };
}

/** Bytes free for an unprivileged user on the filesystem holding `path`. */
export function freeBytes(path: string): number {
  const s = statfsSync(path);
  return s.bavail * s.bsize;
}
