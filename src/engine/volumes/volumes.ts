/** Named volumes: directories under ROOT/volumes/NAME/_data, as docker keeps them. */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { HullError } from '../../errors.js';
import { allContainers } from '../db/containers.js';
import type { Engine } from '../engine.js';

const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export interface VolumeInfo {
  name: string;
  driver: 'local';
  mountpoint: string;
  created: string;
}

export function volumeDir(engine: Engine, name: string): string {
  return join(engine.paths.volumes, name, '_data');
}

export function createVolume(engine: Engine, name: string, labels: Record<string, string> = {}): VolumeInfo {
  if (!VOLUME_NAME.test(name)) {
    throw new HullError('INVALID', `invalid volume name "${name}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  }
  const created = new Date().toISOString();
  engine.db
    .prepare('INSERT INTO volumes (name, created, labels) VALUES (?, ?, ?) ON CONFLICT(name) DO NOTHING')
    .run(name, created, JSON.stringify(labels));
  mkdirSync(volumeDir(engine, name), { recursive: true, mode: 0o755 });
  return inspectVolume(engine, name);
}

/** `-v NAME:/path` creates the volume on first use, as docker does. */
export function ensureVolume(engine: Engine, name: string): void {
  if (!existsSync(volumeDir(engine, name))) createVolume(engine, name);
}

export function inspectVolume(engine: Engine, name: string): VolumeInfo {
  const row = engine.db.prepare('SELECT name, created FROM volumes WHERE name = ?').get(name) as
    | { name: string; created: string }
    | undefined;
  if (!row) throw new HullError('NO_SUCH_VOLUME', `no such volume: ${name}`);
  return { name: row.name, driver: 'local', mountpoint: volumeDir(engine, name), created: row.created };
}

export function listVolumes(engine: Engine): VolumeInfo[] {
  const rows = engine.db.prepare('SELECT name FROM volumes ORDER BY name').all() as Array<{ name: string }>;
  return rows.map((r) => inspectVolume(engine, r.name));
}

export function volumeUsers(engine: Engine, name: string): string[] {
  return allContainers(engine.db)
    .filter((c) => c.config.mounts.some((m) => m.type === 'volume' && m.source === name))
    .map((c) => c.name);
}

export function removeVolume(engine: Engine, name: string, force = false): void {
  inspectVolume(engine, name);
  const users = volumeUsers(engine, name);
  if (users.length && !force) {
    throw new HullError('VOLUME_IN_USE', `remove ${name}: volume is in use by container(s) ${users.join(', ')}`);
  }
  rmSync(join(engine.paths.volumes, name), { recursive: true, force: true });
  engine.db.prepare('DELETE FROM volumes WHERE name = ?').run(name);
}

/** Volumes no container refers to (for `system prune --volumes` and `volume prune`). */
export function unusedVolumes(engine: Engine): string[] {
  const names = existsSync(engine.paths.volumes) ? readdirSync(engine.paths.volumes) : [];
  return names.filter((n) => volumeUsers(engine, n).length === 0);
}
