/**
 * Starting hull-init and speaking its sync protocol (docs/runtime-plan.md#sync): the plan goes
 * down one pipe; `pid N`, `hooks`, `created`, `warning ...` and `error ...` lines come back on
 * another; `continue LEN` + state JSON (or `abort`) goes back on a third.
 */
import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Socket } from 'node:net';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { HullError } from '../errors.js';
import { native } from '../native.js';

export interface InitHandlers {
  /** The container's init pid (host view), before it runs anything. */
  onPid(pid: number): void;
  /** prestart + createRuntime: return the state JSON to hand to createContainer hooks. */
  onHooks(): Promise<string>;
  onWarning(msg: string): void;
}

export interface StartedInit {
  pid: number;
  /** hull-init as our child (no launcher); a launched one is not ours to wait for. */
  child?: ChildProcess;
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
  if (launcher) return spawnLaunched(preserveFds, launcher);
  const bin = locate();
  const preserved = Array.from({ length: preserveFds }, (_, i) => 3 + i);
  const base = 3 + preserveFds;
  // Loaded here, not at the top: the engine's path (a launcher) never needs node:child_process.
  const { spawn } = createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');
  const child = spawn(bin, [String(base), String(base + 1), String(base + 2)], {
    stdio: ['inherit', 'inherit', 'inherit', ...preserved, 'pipe', 'pipe', 'pipe'],
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
      return talk(syncOut, { write: (t) => syncIn.write(t), destroy: () => syncIn.destroy() }, handlers, child);
    },
  };
}

/**
 * hull-init through a launcher (the engine's monitor, which outlives us): started by the addon
 * (native/addon/spawn.cc) rather than node:child_process — no fork of this process, no module
 * to load — detached and re-parented, so it is never our zombie. Its stdin and stdout are
 * /dev/null, stderr ours; the three protocol pipes follow the preserved fds.
 */
function spawnLaunched(preserveFds: number, launcher: Launcher): PendingInit {
  const base = 3 + preserveFds;
  const cmd = launcher.wrap(locate(), [String(base), String(base + 1), String(base + 2)]);
  const n = native();
  const opened: number[] = [];
  const pipe = (): [number, number] => {
    const p = n.pipe();
    opened.push(...p);
    return p;
  };
  let spawnError: Error | undefined;
  let planW = -1;
  let syncR = -1;
  let backW = -1;
  try {
    const plan = pipe();
    const sync = pipe();
    const back = pipe();
    [planW, syncR, backW] = [plan[1], sync[0], back[1]];
    const fds = [-1, -1, 2, ...Array.from({ length: preserveFds }, (_, i) => 3 + i), plan[0], sync[1], back[0]];
    n.spawnFds(cmd.file, [cmd.file, ...cmd.args], fds, true);
    // The child's ends are the child's now.
    for (const fd of [plan[0], sync[1], back[0]]) closeSync(fd);
  } catch (err) {
    spawnError = err as Error;
    for (const fd of opened) {
      try {
        closeSync(fd);
      } catch {}
    }
  }
  const closeOurs = () => {
    for (const fd of [planW, syncR, backW]) {
      if (fd < 0) continue;
      try {
        closeSync(fd);
      } catch {}
    }
    planW = syncR = backW = -1;
  };
  return {
    abort() {
      // EOF on the plan pipe: a pending hull-init exits without touching anything.
      closeOurs();
    },
    send(plan, handlers) {
      if (spawnError) return Promise.reject(spawnError);
      try {
        for (let off = 0; off < plan.length; ) off += writeSync(planW, plan, off);
        closeSync(planW);
        planW = -1;
      } catch (err) {
        closeOurs();
        return Promise.reject(
          new HullError(
            'INIT_FAILED',
            `hull-init (through ${cmd.file}) did not take its plan: ${(err as Error).message}`,
          ),
        );
      }
      // The reading end as a socket: libuv watches it, and closing it never leaves a read pending.
      const syncOut = new Socket({ fd: syncR, readable: true, writable: false });
      syncR = -1;
      const back = backW;
      const syncIn = {
        write(text: string | Buffer) {
          const b = typeof text === 'string' ? Buffer.from(text) : text;
          for (let off = 0; off < b.length; ) off += writeSync(back, b, off);
          return true;
        },
        destroy() {
          closeOurs();
        },
      };
      return talk(syncOut, syncIn, handlers, undefined);
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

/** The sync protocol; `child` is hull-init as our own child (its exit status names a failure). */
function talk(
  syncOut: Readable,
  syncIn: { write(t: string | Buffer): boolean; destroy(): void },
  handlers: InitHandlers,
  child: ChildProcess | undefined,
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
      else resolve({ pid, child });
    };
    child?.on('error', (err) => finish(err));
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
            error ??
              (code === null
                ? 'hull-init ended before the container was created'
                : `hull-init exited with status ${code} before the container was created`),
            { section: error?.startsWith('hook ') ? 'runtime-spec/runtime.md#lifecycle' : undefined },
          ),
        );
      if (!child) fail(null);
      else if (child.exitCode !== null) fail(child.exitCode);
      else child.once('exit', fail);
    });
  });
}
