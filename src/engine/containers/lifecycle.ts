/** start, stop, kill, wait, rm: docker's verbs over the runtime and the monitor's files. */
import { existsSync, mkdirSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HullError } from '../../errors.js';
import { type ContainerRecord, findContainer, getContainer, updateContainer } from '../db/containers.js';
import type { Engine } from '../engine.js';
import { readExit } from '../monitor/index.js';
import { containerDir } from '../paths.js';
import { releaseResources, removeAll } from './cleanup.js';
import { provision, specMaker } from './create.js';
import { imageForContainer } from './image.js';
import { withContainerLock } from './lock.js';
import { openRuntime } from './runtime.js';
import { refresh } from './status.js';

export function lookup(engine: Engine, ref: string): ContainerRecord {
  return refresh(engine, findContainer(engine.db, ref));
}

export async function startContainer(engine: Engine, ref: string): Promise<ContainerRecord> {
  const c0 = findContainer(engine.db, ref);
  const dir = containerDir(engine.paths, c0.id);
  // After a reboot /run is empty: the run-time directory is made again.
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return withContainerLock(dir, async () => {
    const c = lookup(engine, c0.id);
    if (c.state === 'running') return c;
    if (c.state === 'exited') {
      // docker start of an exited container: a fresh runtime container over the same rootfs.
      await releaseResources(engine, c);
      const undo: Array<() => Promise<void> | void> = [];
      try {
        // config.json and lowerdirs.json went with /run at a reboot: made again from the image
        // and the record.
        let makeSpec: Parameters<typeof provision>[3];
        if (!existsSync(join(dir, 'bundle', 'config.json')) || !existsSync(join(dir, 'lowerdirs.json'))) {
          const image = await imageForContainer(engine, c.imageId, { pull: 'never', quiet: true });
          writeFileSync(join(dir, 'lowerdirs.json'), JSON.stringify(image.lowerdirs));
          makeSpec = specMaker(engine, c.id, c.config, image.config);
        }
        const pid = await provision(engine, c, undo, makeSpec);
        updateContainer(engine.db, c.id, { state: 'created', pid, exitCode: undefined, finishedAt: undefined });
      } catch (err) {
        for (const step of undo.reverse()) await Promise.resolve(step()).catch(() => {});
        throw err;
      }
    } else if (c.state !== 'created') {
      throw new HullError('BAD_STATE', `container ${c.name} is ${c.state}`);
    }
    const runtime = openRuntime(c.config.runtime, engine.paths.runtimeRoot);
    await runtime.start(c.id);
    updateContainer(engine.db, c.id, { state: 'running', startedAt: new Date().toISOString() });
    return getContainer(engine.db, c.id) ?? c;
  });
}

/** Resolves with the exit code once the monitor has written it (or died: -1). */
export async function waitContainer(engine: Engine, ref: string): Promise<number> {
  const c = findContainer(engine.db, ref);
  const dir = containerDir(engine.paths, c.id);
  for (;;) {
    const now = refresh(engine, getContainer(engine.db, c.id) ?? c);
    if (now.state === 'exited') return now.exitCode ?? -1;
    if (now.state === 'created' && !existsSync(join(dir, 'pidfile'))) return -1;
    await new Promise<void>((resolve) => {
      let w: ReturnType<typeof watch> | undefined;
      const done = () => {
        clearTimeout(t);
        w?.close();
        resolve();
      };
      // The exit file appears in the directory; the timer covers a monitor that dies silently.
      const t = setTimeout(done, 500);
      try {
        w = watch(dir, (_ev, name) => {
          if (name === 'exit') done();
        });
      } catch {
        // directory gone: the next refresh sees it
      }
      if (readExit(dir)) done();
    });
  }
}

export async function killContainer(engine: Engine, ref: string, signal = 'KILL'): Promise<void> {
  const c = lookup(engine, ref);
  if (c.state !== 'running') throw new HullError('BAD_STATE', `cannot kill container ${c.name}: it is not running`);
  const runtime = openRuntime(c.config.runtime, engine.paths.runtimeRoot);
  await runtime.kill(c.id, signal.replace(/^SIG/i, ''));
}

/** docker stop: the stop signal, then SIGKILL after the timeout (default 10 s). */
export async function stopContainer(engine: Engine, ref: string, timeoutSeconds?: number): Promise<void> {
  const c = lookup(engine, ref);
  if (c.state !== 'running' && c.state !== 'created') return;
  const runtime = openRuntime(c.config.runtime, engine.paths.runtimeRoot);
  const signal = (c.config.stopSignal ?? 'TERM').replace(/^SIG/i, '');
  const timeout = timeoutSeconds ?? c.config.stopTimeout ?? 10;
  await runtime.kill(c.id, signal, true).catch(() => {});
  const exited = waitContainer(engine, c.id);
  const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeout * 1000).unref());
  if ((await Promise.race([exited, timer])) === 'timeout') {
    await runtime.kill(c.id, 'KILL', true).catch(() => {});
    await exited;
  }
}

/** docker rm [-f]: a running container needs -f (killed first). */
export async function removeContainer(engine: Engine, ref: string, force: boolean): Promise<string> {
  const c0 = findContainer(engine.db, ref);
  const dir = containerDir(engine.paths, c0.id);
  let live = false;
  await withContainerLock(dir, async () => {
    const c = lookup(engine, c0.id);
    live = c.state === 'running' || c.state === 'created';
    // docker: only a running container needs -f; a created one (its init waiting for start) is
    // simply killed.
    if (c.state === 'running' && !force) {
      throw new HullError(
        'BAD_STATE',
        `cannot remove container "${c.name}": container is running: stop the container before removing or force remove`,
      );
    }
    if (live) {
      const runtime = openRuntime(c.config.runtime, engine.paths.runtimeRoot);
      await runtime.kill(c.id, 'KILL', true).catch(() => {});
    }
  });
  if (live) {
    const wait = waitContainer(engine, c0.id);
    const timer = new Promise((r) => setTimeout(r, 5000).unref());
    await Promise.race([wait, timer]);
  }
  await withContainerLock(dir, async () => {
    const c = getContainer(engine.db, c0.id);
    if (!c) return;
    await removeAll(engine, c);
  });
  return c0.id;
}
