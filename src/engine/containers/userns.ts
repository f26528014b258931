/**
 * `--user-ns auto` as podman does it (podman-run(1) --userns=auto): each container gets its own
 * range of host ids from the subordinate ids of the user "containers" (/etc/subuid and
 * /etc/subgid), ranges of containers never overlap, root in the container is the range's first
 * id on the host. The image's layers are seen through idmapped mounts (rootfs.ts), so nothing is
 * copied or chowned per container.
 *
 * The container joins a user namespace the engine made (bound on /run/hull/userns/ID) rather
 * than having the runtime make one: the layers' idmapped mounts need it before the runtime runs,
 * and the container's network namespace is made inside it, so the container owns that too — it
 * can mount sysfs, and runtimes entering it for exec join the user namespace first and then the
 * network one (podman instead lets the runtime make both and configures the network after).
 *
 * The size is `auto:size=N`, or else what the image needs: the highest uid/gid its /etc/passwd
 * and /etc/group name, plus one, within [1024, 65536] (podman's auto_userns_min_size and
 * auto_userns_max_size defaults).
 */
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HullError } from '../../errors.js';
import { native } from '../../native.js';
import type { Database } from '../db/db.js';
import { ensureSharedDir, netnsPath, prepareNetnsFile, removeNamespaceFile } from '../network/netns.js';

/** A container's ids: 0..size-1 inside are uid.. and gid.. on the host. */
export interface IdMap {
  uid: number;
  gid: number;
  size: number;
}

export interface UserNsRequest {
  mode: 'host' | 'auto';
  /** auto:size=N */
  size?: number;
}

export const AUTO_MIN_SIZE = 1024;
export const AUTO_MAX_SIZE = 65536;
const OWNER = 'containers';

/** Parses host | auto | auto:size=N (podman's syntax; its other auto options are refused). */
export function parseUserNs(value: string): UserNsRequest {
  if (value === '' || value === 'host') return { mode: 'host' };
  const m = /^auto(?::(.*))?$/.exec(value);
  if (!m) throw new Error(`--user-ns ${value}: expected host, auto or auto:size=N`);
  const req: UserNsRequest = { mode: 'auto' };
  for (const opt of (m[1] ?? '').split(',').filter(Boolean)) {
    const kv = /^size=(\d+)$/.exec(opt);
    if (!kv) throw new Error(`--user-ns ${value}: unsupported option '${opt}' (size=N is supported)`);
    const size = Number(kv[1]);
    if (!Number.isSafeInteger(size) || size < 1 || size > 2 ** 32 - 2)
      throw new Error(`--user-ns ${value}: size must be between 1 and 4294967294`);
    req.size = size;
  }
  return req;
}

interface Range {
  start: number;
  count: number;
}

/** The subordinate id files: /etc/subuid and /etc/subgid, or HULL_SUBUID / HULL_SUBGID. */
export function subordinateFiles(): { uid: string; gid: string } {
  return { uid: process.env.HULL_SUBUID ?? '/etc/subuid', gid: process.env.HULL_SUBGID ?? '/etc/subgid' };
}

/** The ranges `user` owns in a subuid(5)/subgid(5) file. */
export function readSubordinateRanges(file: string, user = OWNER): Range[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    text = '';
  }
  const ranges: Range[] = [];
  for (const line of text.split('\n')) {
    const [name, start, count] = line.trim().split(':');
    if (name !== user || start === undefined || count === undefined) continue;
    const s = Number(start);
    const c = Number(count);
    if (Number.isSafeInteger(s) && Number.isSafeInteger(c) && s >= 0 && c > 0) ranges.push({ start: s, count: c });
  }
  if (!ranges.length) {
    throw new HullError(
      'NO_SUBIDS',
      `--user-ns auto: no subordinate ids for user "${user}" in ${file} (add a line such as ` +
        `"${user}:2147483647:2147483648", as podman needs too)`,
      { file },
    );
  }
  return ranges.sort((a, b) => a.start - b.start);
}

/**
 * The size the image needs: the highest id its passwd and group files name, plus one.
 * `layers` are the image's snapshots, top layer first (overlay's lowerdir order).
 */
export function imageIdSize(layers: string[]): number {
  let max = 0;
  for (const file of ['etc/passwd', 'etc/group']) {
    // The top-most layer that has the file (a whiteout above it is rare enough to ignore).
    const dir = layers.find((d) => existsSync(join(d, file)));
    if (!dir) continue;
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      const id = Number(line.split(':')[2]);
      if (Number.isSafeInteger(id) && id > max && id < AUTO_MAX_SIZE) max = id;
    }
  }
  return Math.min(AUTO_MAX_SIZE, Math.max(AUTO_MIN_SIZE, max + 1));
}

/** The lowest start in `ranges` where `size` ids fit beside every `taken` range. */
function firstFit(ranges: Range[], taken: Range[], size: number, file: string): number {
  const busy = [...taken].sort((a, b) => a.start - b.start);
  for (const r of ranges) {
    let start = r.start;
    for (const t of busy) {
      if (t.start + t.count <= start) continue;
      if (t.start >= start + size) break;
      start = t.start + t.count;
    }
    if (start + size <= r.start + r.count) return start;
  }
  throw new HullError(
    'NO_SUBIDS',
    `--user-ns auto: no free range of ${size} ids left for user "${OWNER}" in ${file} (containers hold the rest)`,
    { file },
  );
}

/** The id maps of the containers in the database. */
function takenMaps(db: Database): IdMap[] {
  const rows = db.prepare(`SELECT config FROM containers`).all() as Array<{ config: string }>;
  const maps: IdMap[] = [];
  for (const r of rows) {
    const m = (JSON.parse(r.config) as { idMap?: IdMap }).idMap;
    if (m) maps.push(m);
  }
  return maps;
}

/**
 * A range for a new container. Call inside the transaction that inserts the container's row,
 * so two `hull run --user-ns auto` at once cannot pick the same ids.
 */
export function allocateIdMap(db: Database, size: number): IdMap {
  const files = subordinateFiles();
  const uids = readSubordinateRanges(files.uid);
  const gids = readSubordinateRanges(files.gid);
  const taken = takenMaps(db);
  const uid = firstFit(
    uids,
    taken.map((m) => ({ start: m.uid, count: m.size })),
    size,
    files.uid,
  );
  const gid = firstFit(
    gids,
    taken.map((m) => ({ start: m.gid, count: m.size })),
    size,
    files.gid,
  );
  return { uid, gid, size };
}

export const USERNS_DIR = '/run/hull/userns';

export function usernsPath(id: string): string {
  netnsPath(id); // the same check of the id as for its network namespace
  return join(USERNS_DIR, id);
}

/**
 * Container `id`'s user namespace with `map`, and unless `network` is false (--network host) its
 * network namespace inside it, lo up, at netnsPath(id).
 */
export function createUserns(id: string, map: IdMap, network: boolean): { userns: string; netns?: string } {
  const userns = usernsPath(id);
  ensureSharedDir(USERNS_DIR);
  closeSync(openSync(userns, 'w'));
  let netns: string | undefined;
  try {
    netns = network ? prepareNetnsFile(id) : undefined;
    native().usernsCreate(userns, netns ?? '', map.uid, map.gid, map.size);
  } catch (err) {
    removeUserns(id);
    if (netns) removeNamespaceFile(netns);
    throw new HullError('USERNS_FAILED', `--user-ns auto: cannot create the user namespace: ${(err as Error).message}`);
  }
  return { userns, netns };
}

/** Unmounts and deletes the user namespace file; idempotent. */
export function removeUserns(id: string): void {
  removeNamespaceFile(usernsPath(id));
}
