/**
 * Manifests, tags and referrers of one repository (spec.md#pushing-manifests, #listing-tags,
 * #listing-referrers, #deleting-manifests, #deleting-tags).
 *
 * Write order in putManifest (each step is one atomic putContent), chosen so a crash at any
 * point leaves nothing half-visible and gc (gc.ts) never sweeps what a finished put relies on:
 *   1. mediatype, 2. subject and referrer entry (ignored while the revision link is absent),
 *   3. revision link (gc marks the digest from the link itself), 4. the blob's gc marker
 *   (blobs.ts `touch`), 5. the bytes in blobs/ (served only once 3 exists), 6. the tag.
 */
import { HullError } from '../../errors.js';
import { digestOf, isDigest, parseDigest } from '../../oci/digest.js';
import { isIndexType, MediaType } from '../../oci/media-types.js';
import type { Descriptor } from '../../oci/types.js';
import { RegistryError } from '../api/errors.js';
import type { StorageDriver } from '../storage/driver.js';
import { touchBlob } from './blobs.js';
import { checkDigest, checkRepo, isTag, lexicalCompare, page } from './checks.js';
import {
  blobData,
  referrerEntry,
  referrerEntryDigest,
  referrersDir,
  revisionDir,
  revisionLink,
  revisionMediaType,
  revisionSubject,
  tagDir,
  tagLink,
  tagsDir,
} from './layout.js';
import type { StoredManifest } from './types.js';

export interface PutManifestOptions {
  tag?: string;
  subject?: string;
  artifactType?: string;
  annotations?: Record<string, string>;
}

interface ManifestFields {
  mediaType?: unknown;
  artifactType?: unknown;
  config?: { mediaType?: unknown };
  manifests?: unknown;
  subject?: { digest?: unknown };
  annotations?: unknown;
}

export class ManifestStore {
  constructor(private readonly driver: StorageDriver) {}

  async getManifest(repo: string, reference: string): Promise<StoredManifest | undefined> {
    checkRepo(repo);
    const digest = await this.resolve(repo, reference);
    if (!digest || !(await this.hasRevision(repo, digest))) return undefined;
    const bytes = await this.driver.getContent(blobData(digest));
    if (!bytes) return undefined;
    // Manifests are small: check them on every read, so a damaged file is an error, never served.
    const actual = digestOf(bytes, parseDigest(digest).algorithm);
    if (actual !== digest)
      throw new HullError('STORAGE_CORRUPT', `stored manifest ${digest} has digest ${actual}`, { file: digest });
    const stored = await this.driver.getContent(revisionMediaType(repo, digest));
    const mediaType = stored?.toString('utf8').trim() || mediaTypeOf(bytes);
    return { digest, mediaType, bytes };
  }

  async putManifest(repo: string, manifest: StoredManifest, opts: PutManifestOptions = {}): Promise<void> {
    checkRepo(repo);
    const { digest, bytes } = manifest;
    checkDigest(digest);
    // blobs/ holds only content matching its name (blobs.ts), so verify even though the caller did.
    if (digestOf(bytes, parseDigest(digest).algorithm) !== digest)
      throw new RegistryError('DIGEST_INVALID', `manifest content does not match ${digest}`, { digest });
    if (opts.tag !== undefined && !isTag(opts.tag))
      throw new RegistryError('MANIFEST_INVALID', `invalid tag '${opts.tag}'`, { tag: opts.tag });
    const fields = parseFields(bytes);
    const ownSubject = fields?.subject?.digest;
    const subject = opts.subject ?? (isDigest(ownSubject) ? ownSubject : undefined);
    if (subject !== undefined) checkDigest(subject);

    await this.driver.putContent(revisionMediaType(repo, digest), Buffer.from(manifest.mediaType));
    if (subject !== undefined) {
      // Remembered so delete finds the entry even when the subject came from the caller, not the bytes.
      await this.driver.putContent(revisionSubject(repo, digest), Buffer.from(subject));
      const descriptor = referrerDescriptor(manifest, fields, opts);
      await this.driver.putContent(referrerEntry(repo, subject, digest), Buffer.from(JSON.stringify(descriptor)));
    }
    await this.driver.putContent(revisionLink(repo, digest), Buffer.from(digest));
    await touchBlob(this.driver, digest);
    await this.driver.putContent(blobData(digest), bytes);
    if (opts.tag !== undefined) await this.driver.putContent(tagLink(repo, opts.tag), Buffer.from(digest));
  }

  async deleteManifest(repo: string, reference: string): Promise<boolean> {
    checkRepo(repo);
    if (isDigest(reference)) {
      if (!(await this.hasRevision(repo, reference))) return false;
      // spec.md#deleting-manifests: "any tag pointing to that digest will return a 404" afterwards.
      for (const tag of await this.driver.list(tagsDir(repo)))
        if ((await this.tagTarget(repo, tag)) === reference) await this.driver.delete(tagDir(repo, tag));
      const subject = (await this.driver.getContent(revisionSubject(repo, reference)))?.toString('utf8').trim();
      if (isDigest(subject)) await this.driver.delete(referrerEntry(repo, subject, reference));
      await this.driver.delete(revisionDir(repo, reference));
      return true;
    }
    if (!isTag(reference) || !(await this.tagTarget(repo, reference))) return false;
    await this.driver.delete(tagDir(repo, reference));
    return true;
  }

  async listTags(repo: string, opts?: { n?: number; last?: string }): Promise<string[]> {
    checkRepo(repo);
    const names = await this.driver.list(tagsDir(repo));
    // A tag directory without its link is a crashed or racing write: not a tag (yet).
    const present = await Promise.all(names.map(async (t) => (isTag(t) && (await this.tagTarget(repo, t)) ? t : '')));
    return page(present.filter(Boolean).sort(lexicalCompare), opts);
  }

  async referrers(repo: string, digest: string, artifactType?: string): Promise<Descriptor[]> {
    checkRepo(repo);
    checkDigest(digest);
    const out: Descriptor[] = [];
    for (const name of await this.driver.list(referrersDir(repo, digest))) {
      const referrer = referrerEntryDigest(name);
      // Entries are written before the revision link and outlive a crashed delete: the link decides.
      if (!isDigest(referrer) || !(await this.hasRevision(repo, referrer))) continue;
      const raw = await this.driver.getContent(referrerEntry(repo, digest, referrer));
      if (!raw) continue;
      const descriptor = JSON.parse(raw.toString('utf8')) as Descriptor;
      if (artifactType !== undefined && descriptor.artifactType !== artifactType) continue;
      out.push(descriptor);
    }
    return out;
  }

  async hasRevision(repo: string, digest: string): Promise<boolean> {
    const link = await this.driver.getContent(revisionLink(repo, digest));
    return link !== undefined && link.toString('utf8').trim() === digest;
  }

  private async resolve(repo: string, reference: string): Promise<string | undefined> {
    if (isDigest(reference)) return reference;
    if (!isTag(reference)) return undefined;
    return this.tagTarget(repo, reference);
  }

  private async tagTarget(repo: string, tag: string): Promise<string | undefined> {
    const link = await this.driver.getContent(tagLink(repo, tag));
    const digest = link?.toString('utf8').trim();
    return isDigest(digest) ? digest : undefined;
  }
}

function parseFields(bytes: Buffer): ManifestFields | undefined {
  try {
    const doc: unknown = JSON.parse(bytes.toString('utf8'));
    return doc && typeof doc === 'object' && !Array.isArray(doc) ? (doc as ManifestFields) : undefined;
  } catch {
    return undefined;
  }
}

/** Fallback when no media type was stored: the document's own field, else an OCI manifest. */
function mediaTypeOf(bytes: Buffer): string {
  const mt = parseFields(bytes)?.mediaType;
  return typeof mt === 'string' && mt ? mt : MediaType.imageManifest;
}

function nonEmpty(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * spec.md#listing-referrers: artifactType is the manifest's artifactType, else (image manifests
 * only) its config.mediaType, and omitted for an index without one; annotations are copied.
 * Values the caller passed win; otherwise they come from the manifest bytes.
 */
function referrerDescriptor(
  manifest: StoredManifest,
  fields: ManifestFields | undefined,
  opts: PutManifestOptions,
): Descriptor {
  const isIndex = isIndexType(manifest.mediaType) || (fields !== undefined && Array.isArray(fields.manifests));
  const artifactType =
    nonEmpty(opts.artifactType) ??
    nonEmpty(fields?.artifactType) ??
    (isIndex ? undefined : nonEmpty(fields?.config?.mediaType));
  const rawAnnotations = opts.annotations ?? fields?.annotations;
  const annotations =
    rawAnnotations && typeof rawAnnotations === 'object' && Object.keys(rawAnnotations).length
      ? (rawAnnotations as Record<string, string>)
      : undefined;
  return {
    mediaType: manifest.mediaType,
    digest: manifest.digest,
    size: manifest.bytes.length,
    ...(artifactType === undefined ? {} : { artifactType }),
    ...(annotations === undefined ? {} : { annotations }),
  };
}
