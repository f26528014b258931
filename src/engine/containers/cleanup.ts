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
import { removeDir, removeDirAsync, unmountRootfs } from './rootfs.js';
import { openRuntime } from './runtime.js';
import { refresh } from './status.js';
import { removeUserns } from './userns.js';

/** Unmounts the container's rootfs; idempotent. */
export async function unmountContainerRootfs(engine: Engine, id: string): Promise<void> {
  await unmountRootfs(join(containerDir(engine.paths, id), 'bundle', 'rootfs'));
  // Where hull put it before the run-time directory moved to /run (a container made then).
  await unmountRootfs(join(containerDataDir(engine.paths, id), 'bundle', 'rootfs'));
}

/**
 * The rootfs first (`onUnmounted` runs then: its layers may go from here on), then the runtime's
 * container, the network and the user namespace.
 */
export async function releaseResources(engine: Engine, c: ContainerRecord, onUnmounted?: () => void): Promise<void> {
  const errors: string[] = [];
  const attempt = async (what: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      errors.push(`${what}: ${(err as Error).message}`);
    }
  };
  await attempt('rootfs', () => unmountContainerRootfs(engine, c.id));
  onUnmounted?.();
  await attempt('runtime delete', async () => {
    const runtime = openRuntime(c.config.runtime, engine.paths.runtimeRoot);
    await runtime.delete(c.id, true).catch((err: Error) => {
      if (!/does not exist|not found|no such/i.test(err.message)) throw err;
    });
  });
  await attempt('network', () => teardownContainerNetwork(engine, c.id, c.config));
  if (c.config.idMap) await attempt('user namespace', async () => removeUserns(c.id));
  if (errors.length) throw new Error(`cleaning up container ${c.id.slice(0, 12)}: ${errors.join('; ')}`);
}

/** Removes the container's directories and row; the caller has released its resources. */
export function forget(engine: Engine, id: string, o: { keepData?: boolean } = {}): void {
  const dir = containerDir(engine.paths, id);
  // A container killed just now (rm -f, prune of a create killed after the runtime's create)
  // still has its monitor writing exit and monitor.pid here until it ends: removing the
  // directory under it fails with ENOTEMPTY. Wait for it, briefly.
  for (let i = 0; i < 100 && monitorAlive(dir); i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  if (existsSync(dir)) removeDir(dir);
  const data = containerDataDir(engine.paths, id);
  if (!o.keepData && existsSync(data)) removeDir(data);
  deleteContainerRow(engine.db, id);
}

/**
 * releaseResources, then forget — with the layers on the disk removed on the thread pool while
 * the runtime, the network and the row are dealt with (they are the slow part of an `rm` when
 * the disk is, bench/run.ts). The rootfs is unmounted first: until then its workdir is busy.
 */
export async function removeAll(engine: Engine, c: ContainerRecord): Promise<void> {
  const data = containerDataDir(engine.paths, c.id);
  let layers: Promise<void> = Promise.resolve();
  try {
    await releaseResources(engine, c, () => {
      if (existsSync(data)) layers = removeDirAsync(data);
    });
    forget(engine, c.id, { keepData: true });
  } finally {
    await layers;
  }
}

/** `hull container cleanup ID`: the monitor's exit command. */
export async function cleanupAfterExit(engine: Engine, id: string): Promise<void> {
  const dir = containerDir(engine.paths, id);
  await withContainerLock(dir, async () => {
    const c = getContainer(engine.db, id);
    if (!c) return;
    const now = refresh(engine, c);
    if (now.state === 'running' || now.state === 'created') return; // restarted meanwhile
    if (now.autoRemove) await removeAll(engine, now);
    else await releaseResources(engine, now);
  });
}
