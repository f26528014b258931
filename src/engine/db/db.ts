/**
 * The engine's metadata store: SQLite through better-sqlite3 (docs/architecture.md says why).
 * WAL mode and a busy timeout make two hull commands at once safe: writers queue on SQLite's
 * lock instead of failing, readers never block. Names are unique by a UNIQUE constraint, so two
 * `hull run --name x` racing each other cannot both win.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import Sqlite from 'better-sqlite3';

export type Database = Sqlite.Database;

const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS containers (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  image       TEXT NOT NULL,
  image_id    TEXT NOT NULL,
  command     TEXT NOT NULL,
  created     TEXT NOT NULL,
  state       TEXT NOT NULL,
  started_at  TEXT,
  finished_at TEXT,
  exit_code   INTEGER,
  pid         INTEGER NOT NULL DEFAULT 0,
  runtime     TEXT NOT NULL,
  auto_remove INTEGER NOT NULL DEFAULT 0,
  config      TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS volumes (
  name    TEXT PRIMARY KEY,
  created TEXT NOT NULL,
  labels  TEXT NOT NULL DEFAULT '{}'
);
`;

const cache = new Map<string, Database>();

/**
 * better-sqlite3's addon, named directly: without it the package searches a dozen candidate
 * paths through the `bindings` package on every open (~3 ms of every `hull run`, bench/run.ts).
 * Its JavaScript is bundled into dist/hull.cjs; a package laid out otherwise keeps the search.
 */
function nativeBinding(): string | undefined {
  try {
    const pkg = createRequire(import.meta.url).resolve('better-sqlite3/package.json');
    const addon = join(dirname(pkg), 'build', 'Release', 'better_sqlite3.node');
    return existsSync(addon) ? addon : undefined;
  } catch {
    return undefined;
  }
}

export function openDatabase(file: string): Database {
  const hit = cache.get(file);
  if (hit) return hit;
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const db = new Sqlite(file, { timeout: 10_000, nativeBinding: nativeBinding() });
  // WAL is a property of the file: set once, read after (setting it takes a write lock).
  if (db.pragma('journal_mode', { simple: true }) !== 'wal') db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  // The CLI's engine commands end with process.exit (src/cli/hull.ts), so the database is not
  // closed: no checkpoint at exit and no new WAL file (with its two fsyncs) at the next write —
  // ~4 fsyncs less per `hull run`. SQLite treats that as any crash: the next open replays the
  // WAL, which a small autocheckpoint keeps short (64 pages instead of 1000).
  db.pragma('wal_autocheckpoint = 64');
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    db.close();
    throw new Error(`${file}: schema version ${version} is newer than this hull understands (${SCHEMA_VERSION})`);
  }
  db.exec(SCHEMA);
  if (version < SCHEMA_VERSION) db.pragma(`user_version = ${SCHEMA_VERSION}`);
  cache.set(file, db);
  return db;
}
