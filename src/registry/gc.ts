/**
 * Registry garbage collection (like distribution's `registry garbage-collect`): mark every blob a
 * kept manifest needs, sweep blobs/ of the rest.
 *
 * Kept manifests: every revision (default, as distribution), or with `deleteUntagged` only those
 * reachable from a tag, through image indexes (`manifests`), and referrers whose subject is
 * reachable (spec.md#listing-referrers); the others lose their revision (and referrer entry).
 *
 * GUARANTEE WHILE THE SERVER RUNS (chosen: grace period + re-mark, no stop-the-world lock):
 *   1. mark; 2. candidates = blobs/ data not marked and older than the grace period (default 1 h);
 *   3. re-mark from scratch (re-reading every tag, revision and link); 4. sweep only candidates
 *      still unmarked, re-checking each one's age, by moving the data aside and putting it back
 *      when one of the blob's `linked-*` markers shows a push or mount since the re-mark (sweepBlob).
 *   Marked are: kept manifests and their config/layers/children, and every blob linked into a
 *   repository by a link younger than the grace period (a push whose manifest is not up yet).
 *   Untagged manifests are only removed when their revision link is older than the grace.
 * So: everything reachable when the re-mark reads it survives (step 3 runs after the candidate
 * list is fixed), and every blob pushed or mounted within the grace period, or after the re-mark
 * began, survives. A push writes its link and marker *before* moving data into blobs/
 * (store/blobs.ts), so data the candidate listing saw has a link the re-mark sees, and data the
 * sweep moved aside has a marker the sweep sees. While parked, a racing push's blob can read as
 * absent for a moment (a retried request succeeds); it is never lost. The residual window, as in
 * distribution: a client that pushes blobs, waits longer than the grace period, and puts the
 * manifest exactly while gc sweeps those (then unreferenced) blobs; the server's manifest PUT
 * checks blobs exist, so it fails with MANIFEST_BLOB_UNKNOWN, and pushing again succeeds.
 * With gracePeriodMs 0 only the re-mark protects: a committed blob no manifest references yet is
 * garbage by definition and may go (tests use 0 to pin exactly that boundary).
 *
 * Also removes uploads older than `uploadMaxAgeMs` (default 7 days, distribution's upload purge)
 * and, on the filesystem driver, stale temp files.
 */
import { randomBytes } from 'node:crypto';
import { isDigest } from '../oci/digest.js';
import { layerLinks, references, referrersOf, revisions, tagTargets } from './gc-mark.js';
import { type FileInfo, PathNotFoundError, type StorageDriver } from './storage/driver.js';
import {
  BLOBS,
  blobData,
  blobDir,
  blobMarker,
  digestParts,
  MARKER_PREFIX,
  referrerEntry,
  revisionDir,
  revisionLink,
  revisionSubject,
  uploadData,
  uploadDir,
  uploadStartedAt,
  uploadsDir,
} from './store/layout.js';
import { allRepositories } from './store/repositories.js';

export interface GcOptions {
  /** Count what would be removed; remove nothing. */
  dryRun?: boolean;
  log?: (message: string) => void;
  /** Remove manifests no tag reaches (default false: keep every revision). */
  deleteUntagged?: boolean;
  /** Nothing younger than this is removed (default 1 hour). */
  gracePeriodMs?: number;
  /** Uploads idle this long are abandoned and removed (default 7 days). */
  uploadMaxAgeMs?: number;
  /** Test seam: runs after the sweep candidates are chosen, before the re-mark. */
  afterCandidates?: () => Promise<void>;
}

export interface GcResult {
  blobsRemoved: number;
  manifestsRemoved: number;
  bytesFreed: number;
  uploadsRemoved: number;
}

const HOUR = 3600_000;
/** The push markers of a blob (store/blobs.ts touchBlob), with their storage times. */
async function blobMarkers(driver: StorageDriver, digest: string): Promise<FileInfo[]> {
  const out: FileInfo[] = [];
  for (const name of await driver.list(blobDir(digest))) {
    if (!name.startsWith(MARKER_PREFIX)) continue;
    const info = await driver.stat(blobMarker(digest, name));
    if (info) out.push(info);
  }
  return out;
}

/** Where the sweep parks data while it checks for a racing push (a top-level key, outside blobs/). */
const TRASH = '_gc-trash';

/**
 * Removes one blob without ever losing a racing push: the data is first moved aside; then, if
 * the blob's marker (store/blobs.ts `touch`, written by every push and mount *before* its data
 * moves in) is fresh, someone pushed or mounted it since the re-mark, and the data goes back.
 * Content is addressed by digest and verified on the way in, so whichever copy ends up in
 * place is the same bytes. Returns whether the blob was removed.
 */
async function sweepBlob(driver: StorageDriver, digest: string, fresh: (t: Date) => boolean): Promise<boolean> {
  const { alg, hex } = digestParts(digest);
  const parked = `${TRASH}/${alg}-${hex}-${Date.now()}-${randomBytes(6).toString('hex')}`;
  try {
    await driver.move(blobData(digest), parked);
  } catch (err) {
    if (err instanceof PathNotFoundError) return false; // already gone (another gc)
    throw err;
  }
  const markers = await blobMarkers(driver, digest);
  if (markers.some((m) => fresh(m.modTime))) {
    if (await driver.stat(blobData(digest))) await driver.delete(parked);
    else await driver.move(parked, blobData(digest));
    return false;
  }
  await driver.delete(parked);
  // Not the whole blob directory: a push may have moved new data in since we parked the old,
  // with a marker we did not see. Only the (stale) markers we saw go; the driver prunes the
  // directory once it is empty.
  for (const m of markers) await driver.delete(m.path);
  return true;
}

/**
 * "Now" in the storage's own timestamps (its clock and granularity): the mtime of an object
 * written now. Markers are compared with it, so a coarse (1-2 s) filesystem clock errs towards
 * treating a marker as fresh, never as stale.
 */
async function storageClock(driver: StorageDriver): Promise<number> {
  const probe = `${TRASH}/clock-${randomBytes(6).toString('hex')}`;
  await driver.putContent(probe, Buffer.alloc(0));
  const info = await driver.stat(probe);
  await driver.delete(probe);
  return info?.modTime.getTime() ?? Date.now();
}

/** A gc that died mid-sweep may have parked data a push needed: put it back for this run to judge. */
async function restoreAbandonedTrash(driver: StorageDriver): Promise<void> {
  for (const name of await driver.list(TRASH)) {
    const path = `${TRASH}/${name}`;
    if (name.startsWith('clock-')) continue; // a running gc's probe (storageClock)
    // Parked data keeps its old mtime, so the name carries when it was parked.
    const m = /^([a-z0-9]+)-([a-f0-9]+)-(\d+)-[a-f0-9]+$/.exec(name);
    if (m && Date.now() - Number(m[3]) < HOUR) continue; // maybe a running gc's
    const digest = m ? `${m[1]}:${m[2]}` : '';
    if (isDigest(digest) && !(await driver.stat(blobData(digest)))) await driver.move(path, blobData(digest));
    else await driver.delete(path);
  }
}

export async function garbageCollect(driver: StorageDriver, opts: GcOptions = {}): Promise<GcResult> {
  const grace = opts.gracePeriodMs ?? HOUR;
  const log = opts.log ?? (() => {});
  const dry = opts.dryRun ?? false;
  const old = (t: Date) => Date.now() - t.getTime() >= grace;
  const result: GcResult = { blobsRemoved: 0, manifestsRemoved: 0, bytesFreed: 0, uploadsRemoved: 0 };

  // Untagged manifests first, so the mark below already sees them gone. In a dry run they are
  // remembered instead, so the blob counts match what a real run would free.
  if (!dry) await restoreAbandonedTrash(driver);
  const removed = new Set<string>();
  if (opts.deleteUntagged)
    for (const repo of await allRepositories(driver)) {
      const kept = await reachable(driver, repo, grace);
      for (const rev of await revisions(driver, repo)) {
        if (kept.has(rev.digest)) continue;
        // Re-read the link: a put that landed since would have refreshed it.
        const info = await driver.stat(revisionLink(repo, rev.digest));
        if (!info || !old(info.modTime)) continue;
        log(`${dry ? 'would remove' : 'removing'} untagged manifest ${repo}@${rev.digest}`);
        removed.add(`${repo}\0${rev.digest}`);
        result.manifestsRemoved++;
        if (!dry) await removeRevision(driver, repo, rev.digest);
      }
    }

  const marked = await mark(driver, grace, removed);
  const candidates: Array<{ digest: string; path: string; size: number }> = [];
  for (const blob of await allBlobs(driver)) {
    if (marked.has(blob.digest) || !old(blob.modTime)) continue;
    if (!(await blobMarkers(driver, blob.digest)).some((m) => !old(m.modTime))) candidates.push(blob);
  }
  log(`${marked.size} blobs marked, ${candidates.length} sweep candidates`);
  await opts.afterCandidates?.();

  const remarkStart = await storageClock(driver);
  const remarked = await mark(driver, grace, removed);
  for (const c of candidates) {
    if (remarked.has(c.digest)) continue;
    const info = await driver.stat(c.path);
    if (!info || !old(info.modTime)) continue;
    if (!dry && !(await sweepBlob(driver, c.digest, (t) => t.getTime() >= remarkStart || !old(t)))) continue;
    log(`${dry ? 'would remove' : 'removed'} blob ${c.digest} (${info.size} bytes)`);
    result.blobsRemoved++;
    result.bytesFreed += info.size;
  }

  result.uploadsRemoved = await purgeUploads(driver, opts.uploadMaxAgeMs ?? 7 * 24 * HOUR, dry, log);
  const purgeTemp = (driver as { purgeTemp?: (maxAgeMs: number) => Promise<number> }).purgeTemp;
  if (!dry && purgeTemp) await purgeTemp.call(driver, Math.max(grace, HOUR));
  return result;
}

/** Manifests to keep under deleteUntagged: tags' targets and young revisions, closed over index children and referrers. */
async function reachable(driver: StorageDriver, repo: string, grace: number): Promise<Set<string>> {
  const kept = new Set<string>();
  const queue = await tagTargets(driver, repo);
  for (const rev of await revisions(driver, repo))
    if (Date.now() - rev.modTime.getTime() < grace) queue.push(rev.digest);
  while (queue.length) {
    const digest = queue.pop()!;
    if (kept.has(digest)) continue;
    kept.add(digest);
    queue.push(...((await references(driver, digest))?.manifests ?? []));
    queue.push(...(await referrersOf(driver, repo, digest)));
  }
  return kept;
}

/** Every blob a kept manifest needs, plus blobs linked within the grace period. */
async function mark(driver: StorageDriver, grace: number, removed: Set<string>): Promise<Set<string>> {
  const marked = new Set<string>();
  const visit = async (digest: string): Promise<void> => {
    if (marked.has(digest)) return;
    marked.add(digest);
    const refs = await references(driver, digest);
    if (!refs) return;
    for (const b of refs.blobs) marked.add(b);
    for (const m of refs.manifests) await visit(m);
  };
  for (const repo of await allRepositories(driver)) {
    for (const rev of await revisions(driver, repo))
      if (!removed.has(`${repo}\0${rev.digest}`)) await visit(rev.digest);
    for (const link of await layerLinks(driver, repo))
      if (Date.now() - link.modTime.getTime() < grace) marked.add(link.digest);
  }
  return marked;
}

async function allBlobs(
  driver: StorageDriver,
): Promise<Array<{ digest: string; path: string; size: number; modTime: Date }>> {
  const out: Array<{ digest: string; path: string; size: number; modTime: Date }> = [];
  for (const alg of await driver.list(BLOBS))
    for (const prefix of await driver.list(`${BLOBS}/${alg}`))
      for (const hex of await driver.list(`${BLOBS}/${alg}/${prefix}`)) {
        const digest = `${alg}:${hex}`;
        // Anything not named like a blob is not ours to judge.
        if (!isDigest(digest) || hex.slice(0, 2) !== prefix) continue;
        const path = `${BLOBS}/${alg}/${prefix}/${hex}/data`;
        const info = await driver.stat(path);
        if (info && !info.isDir) out.push({ digest, path, size: info.size, modTime: info.modTime });
      }
  return out;
}

async function removeRevision(driver: StorageDriver, repo: string, digest: string): Promise<void> {
  const subject = (await driver.getContent(revisionSubject(repo, digest)))?.toString('utf8').trim();
  if (isDigest(subject)) await driver.delete(referrerEntry(repo, subject, digest));
  await driver.delete(revisionDir(repo, digest));
}

async function purgeUploads(
  driver: StorageDriver,
  maxAge: number,
  dry: boolean,
  log: (m: string) => void,
): Promise<number> {
  let count = 0;
  for (const repo of await allRepositoriesWithUploads(driver))
    for (const id of await driver.list(uploadsDir(repo))) {
      // Idle = neither started nor appended to within maxAge.
      const times = [await driver.stat(uploadStartedAt(repo, id)), await driver.stat(uploadData(repo, id))]
        .filter((i) => i !== undefined)
        .map((i) => i.modTime.getTime());
      // Neither file yet: an upload being created right now (or one just committed), not ours.
      if (!times.length || Date.now() - Math.max(...times) < maxAge) continue;
      log(`${dry ? 'would remove' : 'removing'} abandoned upload ${repo}/${id}`);
      if (!dry) await driver.delete(uploadDir(repo, id));
      count++;
    }
  return count;
}

/** Repositories, plus names whose only content is uploads (not in the catalog, still ours to clean). */
async function allRepositoriesWithUploads(driver: StorageDriver): Promise<string[]> {
  const out: string[] = [];
  const walk = async (name: string): Promise<void> => {
    const children = await driver.list(name ? `repositories/${name}` : 'repositories');
    if (name && children.includes('_uploads')) out.push(name);
    for (const c of children) if (!c.startsWith('_')) await walk(name ? `${name}/${c}` : c);
  };
  await walk('');
  return out;
}
