/**
 * `hull system prune`: stopped containers (and what crashed hull commands left: rows stuck in
 * "creating" whose creator is gone, container directories without a row), then images and
 * blobs nothing uses, and with `volumes` unused volumes.
 */
import { closeSync, existsSync, openSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { LOCK_EX, LOCK_NB, LOCK_UN, native } from '../../native.js';
import { allContainers, getContainer, imageInUse } from '../db/containers.js';
import type { Engine } from '../engine.js';
import { containerDir } from '../paths.js';
import { forget, releaseResources, unmountContainerRootfs } from './cleanup.js';
import { refresh } from './status.js';

/** True when some process holds the container's lock (a create or rm in progress). */
function locked(dir: string): boolean {
  if (!existsSync(join(dir, 'lock'))) return false;
  const fd = openSync(join(dir, 'lock'), 'a');
  try {
    native().flock(fd, LOCK_EX | LOCK_NB);
    native().flock(fd, LOCK_UN);
    return false;
  } catch {
    return true;
  } finally {
    closeSync(fd);
  }
}

export interface PruneReport {
  containers: string[];
  images: string[];
  volumes: string[];
  reclaimedBytes: number;
}

export async function pruneSystem(engine: Engine, o: { volumes: boolean; allImages: boolean }): Promise<PruneReport> {
  const report: PruneReport = { containers: [], images: [], volumes: [], reclaimedBytes: 0 };
  for (const c0 of allContainers(engine.db)) {
    const dir = containerDir(engine.paths, c0.id);
    const c = refresh(engine, c0);
    // docker prunes every container that is not running; one whose lock is held is being
    // created or removed by a live hull command right now.
    if (c.state === 'running' || locked(dir)) continue;
    await releaseResources(engine, c).catch(() => {});
    forget(engine, c.id);
    report.containers.push(c.id);
  }
  // Directories without a row (under --root or /run), left by a hull killed mid-create.
  const orphans = new Set<string>();
  for (const d of [engine.paths.containers, engine.paths.runContainers])
    if (existsSync(d)) for (const id of readdirSync(d)) orphans.add(id);
  for (const id of orphans) {
    if (getContainer(engine.db, id)) continue;
    const dir = containerDir(engine.paths, id);
    if (locked(dir)) continue;
    await unmountContainerRootfs(engine, id);
    const { removeUserns } = await import('./userns.js');
    try {
      removeUserns(id);
    } catch {
      // not a container id: nothing of it under /run/hull/userns
    }
    forget(engine, id);
  }
  const images = await import('../images/index.js');
  const store = await images.openImageStore(engine.paths.root);
  const pruned = await store.prune({ inUse: (id: string) => imageInUse(engine.db, id), graceMs: 0 });
  report.images.push(...pruned.deleted);
  report.reclaimedBytes += pruned.freedBytes;
  if (o.volumes) {
    const v = await import('../volumes/volumes.js');
    for (const n of v.unusedVolumes(engine)) {
      v.removeVolume(engine, n);
      report.volumes.push(n);
    }
  }
  return report;
}
