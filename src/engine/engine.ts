/**
 * The engine as a library (podman's libpod; ARCHITECTURE.md idea 10): the CLI and a later API
 * service are two faces of it. An Engine is its root's paths plus the open metadata database;
 * each verb is a function in containers/ taking it.
 */
import { mkdirSync } from 'node:fs';
import { type Database, openDatabase } from './db/db.js';
import { DEFAULT_ROOT, type EnginePaths, enginePaths } from './paths.js';

export interface Engine {
  paths: EnginePaths;
  db: Database;
}

export function openEngine(root: string = process.env.HULL_ROOT ?? DEFAULT_ROOT): Engine {
  const paths = enginePaths(root);
  for (const d of [paths.root, paths.containers, paths.volumes]) mkdirSync(d, { recursive: true, mode: 0o700 });
  return { paths, db: openDatabase(paths.db) };
}
