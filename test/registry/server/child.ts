/**
 * Runs `hull registry serve` as a child process on 127.0.0.1:0 and learns its URL from the
 * "listening" log line, for tests that need a real process (interop, kill -9).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { after } from 'node:test';
import { hullBin } from '../../helpers/fixtures.js';

export interface ChildRegistry {
  url: string;
  /** host:port, as skopeo and podman want it. */
  host: string;
  proc: ChildProcess;
  /** Request log lines seen so far. */
  logs: Record<string, unknown>[];
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * `autoStop`: stop it in the current suite's after(); pass false when calling from a before()
 * hook (an after() registered there runs as soon as the hook ends) and stop it yourself.
 */
export async function spawnRegistry(
  root: string,
  extra: string[] = [],
  addr = '127.0.0.1:0',
  autoStop = true,
): Promise<ChildRegistry> {
  const proc = spawn(process.execPath, [hullBin, 'registry', 'serve', '--root', root, '--addr', addr, ...extra], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: proc.stderr! });
    lines.on('line', (line) => {
      stderr += `${line}\n`;
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        if (entry.msg === 'listening') resolve(entry.url as string);
        else logs.push(entry);
      } catch {
        // not a log line (a stack trace); kept in stderr for the failure message
      }
    });
    exited.then((code) => reject(new Error(`registry exited ${code} before listening:\n${stderr}`)));
    // Never hang a test run on a server that does not come up.
    setTimeout(() => reject(new Error(`registry did not listen within 15 s:\n${stderr}`)), 15_000).unref();
  });
  const child: ChildRegistry = {
    url,
    host: new URL(url).host,
    proc,
    logs,
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
  if (autoStop) after(() => child.stop('SIGKILL'));
  return child;
}
