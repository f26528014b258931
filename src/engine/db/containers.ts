/** Container rows: what `hull ps`, `inspect` and every verb read and update. */
import { HullError } from '../../errors.js';
import type { ContainerConfig } from '../containers/config.js';
import type { Database } from './db.js';

/** docker's states: created → running → exited; "creating"/"removing" mark a verb in progress. */
export type ContainerState = 'creating' | 'created' | 'running' | 'exited' | 'removing';

export interface ContainerRecord {
  id: string;
  name: string;
  image: string;
  imageId: string;
  command: string[];
  created: string;
  state: ContainerState;
  startedAt?: string;
  finishedAt?: string;
  /** undefined while it runs or if nobody saw it exit (monitor died): docker shows -1. */
  exitCode?: number;
  pid: number;
  runtime: string;
  autoRemove: boolean;
  config: ContainerConfig;
}

interface Row {
  id: string;
  name: string;
  image: string;
  image_id: string;
  command: string;
  created: string;
  state: ContainerState;
  started_at: string | null;
  finished_at: string | null;
  exit_code: number | null;
  pid: number;
  runtime: string;
  auto_remove: number;
  config: string;
}

function fromRow(r: Row): ContainerRecord {
  return {
    id: r.id,
    name: r.name,
    image: r.image,
    imageId: r.image_id,
    command: JSON.parse(r.command) as string[],
    created: r.created,
    state: r.state,
    startedAt: r.started_at ?? undefined,
    finishedAt: r.finished_at ?? undefined,
    exitCode: r.exit_code ?? undefined,
    pid: r.pid,
    runtime: r.runtime,
    autoRemove: r.auto_remove === 1,
    config: JSON.parse(r.config) as ContainerConfig,
  };
}

export function insertContainer(db: Database, c: ContainerRecord): void {
  try {
    db.prepare(
      `INSERT INTO containers (id, name, image, image_id, command, created, state, pid, runtime, auto_remove, config)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      c.id,
      c.name,
      c.image,
      c.imageId,
      JSON.stringify(c.command),
      c.created,
      c.state,
      c.pid,
      c.runtime,
      c.autoRemove ? 1 : 0,
      JSON.stringify(c.config),
    );
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE' && /name/.test((err as Error).message)) {
      const other = db.prepare('SELECT id FROM containers WHERE name = ?').get(c.name) as { id: string } | undefined;
      throw new HullError(
        'NAME_IN_USE',
        `the container name "/${c.name}" is already in use by container "${other?.id ?? '?'}". You have to remove (or rename) that container to be able to reuse that name.`,
      );
    }
    throw err;
  }
}

export function updateContainer(
  db: Database,
  id: string,
  fields: Partial<Pick<ContainerRecord, 'state' | 'startedAt' | 'finishedAt' | 'exitCode' | 'pid'>>,
): void {
  const cols: string[] = [];
  const vals: unknown[] = [];
  const map: Record<string, string> = {
    state: 'state',
    startedAt: 'started_at',
    finishedAt: 'finished_at',
    exitCode: 'exit_code',
    pid: 'pid',
  };
  for (const [k, v] of Object.entries(fields)) {
    const col = map[k];
    if (!col) continue;
    cols.push(`${col} = ?`);
    vals.push(v ?? null);
  }
  if (!cols.length) return;
  db.prepare(`UPDATE containers SET ${cols.join(', ')} WHERE id = ?`).run(...vals, id);
}

export function deleteContainerRow(db: Database, id: string): void {
  db.prepare('DELETE FROM containers WHERE id = ?').run(id);
}

export function allContainers(db: Database): ContainerRecord[] {
  return (db.prepare('SELECT * FROM containers ORDER BY created DESC').all() as Row[]).map(fromRow);
}

export function getContainer(db: Database, id: string): ContainerRecord | undefined {
  const r = db.prepare('SELECT * FROM containers WHERE id = ?').get(id) as Row | undefined;
  return r ? fromRow(r) : undefined;
}

/** docker's lookup: full id, exact name, then a unique id prefix. */
export function findContainer(db: Database, ref: string): ContainerRecord {
  const name = ref.startsWith('/') ? ref.slice(1) : ref;
  let r = db.prepare('SELECT * FROM containers WHERE id = ? OR name = ?').get(ref, name) as Row | undefined;
  if (!r && /^[0-9a-f]{1,64}$/.test(ref)) {
    const rows = db.prepare("SELECT * FROM containers WHERE id LIKE ? || '%' LIMIT 2").all(ref) as Row[];
    if (rows.length > 1) throw new HullError('AMBIGUOUS', `multiple containers match id prefix ${ref}`);
    r = rows[0];
  }
  if (!r) throw new HullError('NO_SUCH_CONTAINER', `no such container: ${ref}`);
  return fromRow(r);
}

export function imageInUse(db: Database, imageId: string): boolean {
  return db.prepare('SELECT 1 FROM containers WHERE image_id = ? LIMIT 1').get(imageId) !== undefined;
}
