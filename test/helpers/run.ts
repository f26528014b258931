/** Runs commands (hull and the peers) for tests, capturing output. */
import { execFile, spawnSync } from 'node:child_process';
import { hullBin } from './fixtures.js';

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function run(
  cmd: string,
  args: string[],
  opts: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): RunResult {
  const res = spawnSync(cmd, args, {
    encoding: 'utf8',
    input: opts.input,
    env: opts.env ?? process.env,
    cwd: opts.cwd,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (res.error) throw res.error;
  return { status: res.status ?? 128, stdout: res.stdout, stderr: res.stderr };
}

export function hull(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): RunResult {
  return run(process.execPath, [hullBin, ...args], opts);
}

/** Runs and throws with the output when the exit status is not 0. */
export function ok(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): RunResult {
  const r = cmd === 'hull' ? hull(args, opts) : run(cmd, args, opts);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r;
}

/**
 * The asynchronous form, for commands that talk to a server living in the test's own process
 * (a spawnSync there would block the event loop the server needs and hang both). Killed after
 * `timeoutMs` so a stuck peer fails the test instead of hanging the suite.
 */
export function runAsync(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      {
        encoding: 'utf8',
        env: opts.env ?? process.env,
        cwd: opts.cwd,
        maxBuffer: 64 * 1024 * 1024,
        timeout: opts.timeoutMs ?? 120_000,
        killSignal: 'SIGKILL',
      },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') {
          if (err.killed) resolve({ status: 137, stdout, stderr: `${stderr}\n(killed after timeout)` });
          else reject(err);
          return;
        }
        resolve({ status: err ? (err.code as number) : 0, stdout, stderr });
      },
    );
  });
}

/** runAsync that throws with the output when the exit status is not 0. */
export async function okAsync(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  const r = await runAsync(cmd, args, opts);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r;
}
