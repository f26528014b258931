/**
 * A container's live state: the database says what hull last did; the monitor's exit file and
 * pid say what happened since (a detached container may have exited while no hull ran). A
 * container whose monitor died without writing an exit file is exited with an unknown code
 * (-1), never "running" (issue 5).
 */
import { join } from 'node:path';
import { type ContainerRecord, getContainer, updateContainer } from '../db/containers.js';
import type { Engine } from '../engine.js';
import { monitorAlive, readExit } from '../monitor/index.js';
import { containerDir } from '../paths.js';

export function refresh(engine: Engine, c: ContainerRecord): ContainerRecord {
  if (c.state !== 'running' && c.state !== 'created') return c;
  const dir = containerDir(engine.paths, c.id);
  let exit = readExit(dir);
  // The monitor writes the exit file before it exits: once it is seen dead, a second look at
  // the file is race-free (the first may have come just before the monitor wrote it).
  if (!exit && !monitorAlive(dir)) exit = readExit(dir) ?? { code: -1, finishedAt: new Date().toISOString() };
  if (exit) {
    updateContainer(engine.db, c.id, { state: 'exited', exitCode: exit.code, finishedAt: exit.finishedAt });
  } else {
    return c;
  }
  return getContainer(engine.db, c.id) ?? c;
}

export function pidFile(engine: Engine, id: string): string {
  return join(containerDir(engine.paths, id), 'pidfile');
}
