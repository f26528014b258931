/**
 * Starting hull-init and speaking its sync protocol (docs/runtime-plan.md#sync): the plan goes
 * down one pipe; `pid N`, `hooks`, `created`, `warning ...` and `error ...` lines come back on
 * another; `continue LEN` + state JSON (or `abort`) goes back on a third.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { HullError } from '../errors.js';

export interface InitHandlers {
  /** The container's init pid (host view), before it runs anything. */
  onPid(pid: number): void;
  /** prestart + createRuntime: return the state JSON to hand to createContainer hooks. */
  onHooks(): Promise<string>;
  onWarning(msg: string): void;
}

export interface StartedInit {
  pid: number;
  child: ChildProcess;
}

/**
 * Starts hull-init on the runtime's behalf instead of spawning it directly: the engine's
 * per-container monitor (native/hull-monitor, src/engine/monitor), which outlives this process.
 * `wrap` turns hull-init's command line into the launcher's. The launcher is spawned detached,
 * must pass fds 3 and up to hull-init untouched, provide the container's stdio itself, and exit
 * with hull-init's status when the container is not created.
 */
export interface Launcher {
  wrap(init: string, args: string[]): { file: string; args: string[] };
}

export function locate(): string {
  // dist/src/runtime/init-process.js: the checkout's root is three directories up.
  const candidates = [process.env.HULL_INIT, join(import.meta.dirname, '../../../native/hull-init/out/hull-init')];
  for (const c of candidates) if (c && existsSync(c)) return c;
  throw new HullError('NO_INIT', "hull-init is not built (native/hull-init/out/hull-init); run 'npm run build:native'");
}

/**
 * hull-init, started and waiting for its plan. Starting it before the plan exists lets its own
 * start-up (exec, the sealed copy of itself, the re-exec: cloned.c) run on the other CPU while
 * this process makes the cgroups and compiles the plan. A pending init that never gets a plan
 * (`abort`, or this process dies) reads EOF and exits without touching anything.
 */
export interface PendingInit {
  send(plan: Buffer, handlers: InitHandlers): Promise<StartedInit>;
  abort(): void;
}

export function spawnInit(preserveFds: number, launcher?: Launcher): PendingInit {
  const bin = locate();
  const preserved = Array.from({ length: preserveFds }, (_, i) => 3 + i);
  const base = 3 + preserveFds;
  const argv = [String(base), String(base + 1), String(base + 2)];
  const cmd = launcher ? launcher.wrap(bin, argv) : { file: bin, args: argv };
  const child = spawn(cmd.file, cmd.args, {
    stdio: [
      launcher ? 'ignore' : 'inherit',
      launcher ? 'ignore' : 'inherit',
      'inherit',
      ...preserved,
      'pipe',
      'pipe',
      'pipe',
    ],
    detached: !!launcher,
  });
  const planOut = child.stdio[base] as Writable;
  const syncOut = child.stdio[base + 1] as Readable;
  const syncIn = child.stdio[base + 2] as Writable;
  planOut.on('error', () => {});
  syncIn.on('error', () => {});
  // A failed spawn is reported once send() listens; until then it must not be an unhandled 'error'.
  let spawnError: Error | undefined;
  const onSpawnError = (err: Error) => {
    spawnError = err;
  };
  child.on('error', onSpawnError);
  return {
    abort() {
      planOut.destroy();
      syncOut.destroy();
      syncIn.destroy();
      child.unref();
    },
    send(plan, handlers) {
      child.off('error', onSpawnError);
      if (spawnError) {
        this.abort();
        return Promise.reject(spawnError);
      }
      planOut.end(plan);
      return talk(child, syncOut, syncIn, handlers, !!launcher);
    },
  };
}

export function runInit(
  plan: Buffer,
  preserveFds: number,
  handlers: InitHandlers,
  launcher?: Launcher,
): Promise<StartedInit> {
  return spawnInit(preserveFds, launcher).send(plan, handlers);
}

function talk(
  child: ChildProcess,
  syncOut: Readable,
  syncIn: Writable,
  handlers: InitHandlers,
  launched: boolean,
): Promise<StartedInit> {
  return new Promise((resolve, reject) => {
    let pid = 0;
    let buf = '';
    let error: string | undefined;
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      syncOut.destroy();
      syncIn.destroy();
      if (err) reject(err);
      else {
        // A launcher outlives us: it must not keep this process's event loop alive.
        if (launched) child.unref();
        resolve({ pid, child });
      }
    };
    child.on('error', (err) => finish(err));
    syncOut.setEncoding('utf8');
    syncOut.on('data', (chunk: string) => {
      buf += chunk;
      let nl = buf.indexOf('\n');
      while (nl >= 0 && !done) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        nl = buf.indexOf('\n');
        const sp = line.indexOf(' ');
        const verb = sp < 0 ? line : line.slice(0, sp);
        const rest = sp < 0 ? '' : line.slice(sp + 1);
        if (verb === 'pid') {
          pid = Number(rest);
          handlers.onPid(pid);
        } else if (verb === 'hooks') {
          // hull-init waits for the answer, so nothing else arrives meanwhile.
          handlers.onHooks().then(
            (json) => {
              const state = Buffer.from(json);
              syncIn.write(`continue ${state.length}\n`);
              syncIn.write(state);
            },
            (err) => {
              syncIn.write('abort\n');
              finish(err as Error);
            },
          );
        } else if (verb === 'created') finish();
        else if (verb === 'warning') handlers.onWarning(rest);
        else if (verb === 'error') error = rest;
      }
    });
    syncOut.on('end', () => {
      if (done) return;
      // hull-init exits right after reporting an error; wait for the status for the message.
      const fail = (code: number | null) =>
        finish(
          new HullError(
            error?.startsWith('hook ') ? 'HOOK_FAILED' : 'INIT_FAILED',
            error ?? `hull-init exited with status ${code} before the container was created`,
            { section: error?.startsWith('hook ') ? 'runtime-spec/runtime.md#lifecycle' : undefined },
          ),
        );
      if (child.exitCode !== null) fail(child.exitCode);
      else child.once('exit', fail);
    });
  });
}
