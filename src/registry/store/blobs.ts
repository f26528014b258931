/**
 * Blobs as a repository sees them: content in the global blobs/ area, visible to a repository
 * only through its `_layers` link (so a repository serves only what was pushed or mounted into it).
 *
 * Trust decision: content reaches blobs/ only through `promote`, after its digest and size were
 * verified (uploads.ts), or through putContent of manifest bytes verified in memory
 * (manifests.ts). Reads trust blobs/ after that (no re-hash per pull) unless `verifyReads` is set;
 * a full read is then checked and fails at end of stream on a mismatch. Every push re-moves its
 * own verified bytes over whatever data file is there, so a corrupt or planted file is replaced
 * by the next push of that digest instead of being linked as-is.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { VerifyingStream } from '../../oci/digest.js';
import { RegistryError } from '../api/errors.js';
import { type ObjectCopier, PathNotFoundError, type StorageDriver } from '../storage/driver.js';
import { checkDigest, checkRepo } from './checks.js';
import { blobData, blobDir, blobMarker, layerDir, layerLink, MARKER_PREFIX, markerTime } from './layout.js';
import type { BlobInfo } from './types.js';

export interface BlobStoreOptions {
  /** Re-hash full blob reads and fail the stream on a mismatch (default false: trust blobs/). */
  verifyReads?: boolean;
}

export class BlobStore {
  constructor(
    private readonly driver: StorageDriver,
    private readonly opts: BlobStoreOptions = {},
  ) {}

  /** Whether `repo` links `digest` (the link alone: the data may be gone after gc). */
  async isLinked(repo: string, digest: string): Promise<boolean> {
    const link = await this.driver.getContent(layerLink(repo, digest));
    return link !== undefined && link.toString('utf8').trim() === digest;
  }

  async statBlob(repo: string, digest: string): Promise<BlobInfo | undefined> {
    checkRepo(repo);
    checkDigest(digest);
    if (!(await this.isLinked(repo, digest))) return undefined;
    const info = await this.driver.stat(blobData(digest));
    if (!info || info.isDir) return undefined;
    return { digest, size: info.size };
  }

  async readBlob(repo: string, digest: string, range?: { start: number; end: number }): Promise<Readable> {
    const info = await this.statBlob(repo, digest);
    if (!info) throw new RegistryError('BLOB_UNKNOWN', undefined, { digest });
    if (range) {
      const { start, end } = range;
      if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start || start >= info.size)
        throw new RegistryError('RANGE_INVALID', `range ${start}-${end} is outside the ${info.size}-byte blob`);
    }
    let body: Readable;
    try {
      body = await this.driver.reader(blobData(digest), range?.start ?? 0);
    } catch (err) {
      // Swept between stat and open (gc): absent, as the link alone does not make a blob.
      if (err instanceof PathNotFoundError) throw new RegistryError('BLOB_UNKNOWN', undefined, { digest });
      throw err;
    }
    if (range) return Readable.from(take(body, Math.min(range.end, info.size - 1) - range.start + 1));
    if (this.opts.verifyReads) return body.pipe(new VerifyingStream({ digest, size: info.size }));
    return body;
  }

  /**
   * The serving fast path (StorageDriver.openCopier) for a blob linked into `repo`; undefined
   * when the driver has none or reads must be verified (verifyReads re-hashes the stream).
   */
  async openBlobCopier(repo: string, digest: string): Promise<ObjectCopier | undefined> {
    if (!this.driver.openCopier || this.opts.verifyReads) return undefined;
    if (!(await this.isLinked(repo, digest))) throw new RegistryError('BLOB_UNKNOWN', undefined, { digest });
    try {
      return await this.driver.openCopier(blobData(digest));
    } catch (err) {
      // Swept between stat and open (gc): absent, as in readBlob.
      if (err instanceof PathNotFoundError) throw new RegistryError('BLOB_UNKNOWN', undefined, { digest });
      throw err;
    }
  }

  async mountBlob(repo: string, digest: string, from: string): Promise<boolean> {
    checkRepo(repo);
    checkRepo(from);
    checkDigest(digest);
    // spec.md#mounting-a-blob-from-another-repository: only what `from` itself can serve.
    if (!(await this.statBlob(from, digest))) return false;
    if (repo !== from) {
      await this.link(repo, digest);
      await this.touch(digest);
    }
    return true;
  }

  async deleteBlob(repo: string, digest: string): Promise<boolean> {
    checkRepo(repo);
    checkDigest(digest);
    // spec.md#deleting-blobs: unlink only; the content stays for other repos until gc.
    if (!(await this.isLinked(repo, digest))) return false;
    await this.driver.delete(layerDir(repo, digest));
    return true;
  }

  async link(repo: string, digest: string): Promise<void> {
    await this.driver.putContent(layerLink(repo, digest), Buffer.from(digest));
  }

  /** Tells a concurrent gc this digest was just pushed or mounted (see ../gc.ts, the sweep). */
  async touch(digest: string): Promise<void> {
    await touchBlob(this.driver, digest);
  }

  /**
   * Makes verified staged content the blob `digest` and links it into `repo`. Link and marker
   * are written before the data moves into blobs/: gc lists blobs/ before it re-reads links, and
   * checks the marker after taking data away (../gc.ts), so it always sees one or the other. A
   * crash in between leaves a link without data, which statBlob reports as absent.
   */
  async promote(repo: string, staged: string, digest: string): Promise<void> {
    await this.link(repo, digest);
    await this.touch(digest);
    await this.driver.move(staged, blobData(digest));
  }
}

/** A marker older than this (by its name) is removed by the next push; never a concurrent pusher's. */
const MARKER_KEEP_MS = 60_000;

/** Writes this push's marker, then tidies markers of pushes long finished. */
export async function touchBlob(driver: StorageDriver, digest: string): Promise<void> {
  const now = Date.now();
  const mine = `${MARKER_PREFIX}${now}-${randomBytes(4).toString('hex')}`;
  await driver.putContent(blobMarker(digest, mine), Buffer.alloc(0));
  for (const name of await driver.list(blobDir(digest)))
    if (name !== mine && markerTime(name) < now - MARKER_KEEP_MS) await driver.delete(blobMarker(digest, name));
}

/** The first `n` bytes of `source` (a byte range ends inside the stream). */
async function* take(source: Readable, n: number): AsyncGenerator<Buffer> {
  let left = n;
  if (left <= 0) return;
  for await (const chunk of source) {
    const buf = chunk as Buffer;
    if (buf.length >= left) {
      yield buf.subarray(0, left);
      return; // ends the for-await, which destroys the source
    }
    left -= buf.length;
    yield buf;
  }
}
