/**
 * After a container's process is gone: delete it from the runtime, unmount its rootfs, release
 * its network (CNI DEL, netns) — every step idempotent, so the monitor's exit command, `hull rm`
 * and `hull system prune` can each run it, in any order, after any crash.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type ContainerRecord, deleteContainerRow, getContainer } from '../db/containers.js';
import type { Engine } from '../engine.js';
import { monitorAlive } from '../monitor/index.js';
import { containerDataDir, containerDir } from '../paths.js';
import { withContainerLock } from './lock.js';
import { teardownContainerNetwork } from './network.js';
import { removeDir, unmountRootfs } from './rootfs.js';
import { openRuntime } from './runtime.js';
import { refresh } from './status.js';
import { removeUserns } from './userns.js';

export async function releaseResources(engine: Engine, c: ContainerRecord): Promise<void> {
  const dir = containerDir(engine.paths, c.id);
  const errors: string[] = [];
  const attempt = async (what: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      errors.push(`${what}: ${(err as Error).message}`);
    }
  };
  await attempt('runtime delete', async () => {
    const runtime = openRuntime(c.config.runtime, engine.paths.runtimeRoot);
    await runtime.delete(c.id, true).catch((err: Error) => {
      if (!/does not exist|not found|no such/i.test(err.message)) throw err;
    });
  });
  await attempt('network', () => teardownContainerNetwork(engine, c.id, c.config));
  if (c.config.idMap) await attempt('user namespace', async () => removeUserns(c.id));
  await attempt('rootfs', () => unmountRootfs(join(dir, 'bundle', 'rootfs')));
  if (errors.length) throw new Error(`cleaning up container ${c.id.slice(0, 12)}: ${errors.join('; ')}`);
}

/** Removes the container's directories and row; the caller has released its resources. */
export function forget(engine: Engine, id: string): void {
  const dir = containerDir(engine.paths, id);
  // A container killed just now (rm -f, prune of a create killed after the runtime's create)
  // still has its monitor writing exit and the log until it removes monitor.pid and ends:
  // removing a directory under it fails with ENOTEMPTY. Wait for it, briefly.
  for (let i = 0; i < 100 && monitorAlive(dir); i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  for (const d of [dir, containerDataDir(engine.paths, id)]) if (existsSync(d)) removeDir(d);
  deleteContainerRow(engine.db, id);
}

/** `hull container cleanup ID`: the monitor's exit command. */
export async function cleanupAfterExit(engine: Engine, id: string): Promise<void> {
  const dir = containerDir(engine.paths, id);
  await withContainerLock(dir, async () => {
    const c = getContainer(engine.db, id);
    if (!c) return;
    const now = refresh(engine, c);
    if (now.state === 'running' || now.state === 'created') return; // restarted meanwhile
    await releaseResources(engine, now);
    if (now.autoRemove) forget(engine, id);
  });
}
