/**
 * The read side of registry gc (gc.ts): what a repository holds (tags, revisions, layer links)
 * and what a manifest references. Pure reads over the StorageDriver, so the mark phase can run
 * twice (mark, then re-mark after the sweep candidates are chosen) without side effects.
 */
import { isDigest } from '../oci/digest.js';
import type { StorageDriver } from './storage/driver.js';
import {
  blobData,
  layersDir,
  referrerEntryDigest,
  referrersDir,
  revisionLink,
  revisionsDir,
  tagLink,
  tagsDir,
} from './store/layout.js';

export interface Timestamped {
  digest: string;
  modTime: Date;
}

/** `<dir>/<alg>/<hex>/link` entries whose link names their own digest, with the link's time. */
async function linkedDigests(driver: StorageDriver, dir: string): Promise<Timestamped[]> {
  const out: Timestamped[] = [];
  for (const alg of await driver.list(dir))
    for (const hex of await driver.list(`${dir}/${alg}`)) {
      const digest = `${alg}:${hex}`;
      if (!isDigest(digest)) continue;
      const path = `${dir}/${alg}/${hex}/link`;
      const info = await driver.stat(path);
      const link = info && (await driver.getContent(path));
      if (info && link?.toString('utf8').trim() === digest) out.push({ digest, modTime: info.modTime });
    }
  return out;
}

export function revisions(driver: StorageDriver, repo: string): Promise<Timestamped[]> {
  return linkedDigests(driver, revisionsDir(repo));
}

export function layerLinks(driver: StorageDriver, repo: string): Promise<Timestamped[]> {
  return linkedDigests(driver, layersDir(repo));
}

/** Digests the repository's tags point to. */
export async function tagTargets(driver: StorageDriver, repo: string): Promise<string[]> {
  const out: string[] = [];
  for (const tag of await driver.list(tagsDir(repo))) {
    const digest = (await driver.getContent(tagLink(repo, tag)))?.toString('utf8').trim();
    if (isDigest(digest)) out.push(digest);
  }
  return out;
}

/** Manifests in `repo` whose subject is `digest` (the referrers index, spec.md#listing-referrers). */
export async function referrersOf(driver: StorageDriver, repo: string, digest: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of await driver.list(referrersDir(repo, digest))) {
    const referrer = referrerEntryDigest(name);
    const link = isDigest(referrer) ? await driver.getContent(revisionLink(repo, referrer)) : undefined;
    if (link?.toString('utf8').trim() === referrer) out.push(referrer);
  }
  return out;
}

export interface References {
  /** Blobs the manifest needs: config, layers, artifact `blobs`. */
  blobs: string[];
  /** Manifests an index lists. */
  manifests: string[];
}

/**
 * What a stored manifest references; undefined when its bytes are absent (a put still in
 * progress writes the revision link before the bytes, see store/manifests.ts) or not JSON.
 */
export async function references(driver: StorageDriver, digest: string): Promise<References | undefined> {
  const bytes = await driver.getContent(blobData(digest));
  if (!bytes) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!doc || typeof doc !== 'object') return undefined;
  const d = doc as Record<string, unknown>;
  const digests = (v: unknown): string[] =>
    Array.isArray(v)
      ? v.map((x) => (x && typeof x === 'object' ? (x as { digest?: unknown }).digest : undefined)).filter(isDigest)
      : [];
  const config = (d.config as { digest?: unknown } | undefined)?.digest;
  return {
    blobs: [...(isDigest(config) ? [config] : []), ...digests(d.layers), ...digests(d.blobs)],
    manifests: digests(d.manifests),
  };
}
