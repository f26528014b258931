/**
 * An OCI image layout directory (image-spec/image-layout.md): content-addressed blobs under
 * blobs/ALG/ENC, and index.json whose descriptors carry the org.opencontainers.image.ref.name
 * annotation as tags. Blob reads are always verified; index.json is only rewritten under an
 * exclusive flock on the layout directory, atomically, so concurrent hull processes never lose
 * each other's tags.
 */
import { createReadStream, openSync } from 'node:fs';
import { access, mkdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pipeline, Readable } from 'node:stream';
import { HullError, isErrno } from '../../errors.js';
import { type DigestAlgorithm, digestOf, parseDigest, VerifyingStream, verifyBuffer } from '../../oci/digest.js';
import { Annotation, type Descriptor, type ImageIndex } from '../../oci/types.js';
import { parseIndex } from '../../oci/validate/parse.js';
import { writeFileAtomic } from './fs-util.js';
import { collectGarbage, type GcOptions, type GcResult } from './gc.js';
import { checkOciLayoutFile, EMPTY_INDEX, LAYOUT_VERSION, readIndexFile } from './layout-files.js';
import { withDirLock } from './lock.js';
import { type BlobRef, writeBlob } from './put-blob.js';
import { assertRefName } from './ref-name.js';

export type { GcOptions, GcResult } from './gc.js';
export type { BlobRef } from './put-blob.js';

export interface TagEntry {
  name: string;
  descriptor: Descriptor;
}

const BLOBS_SECTION = 'image-spec/image-layout.md#blobs';

export class ImageLayout {
  /** Absolute path of the layout directory. */
  readonly dir: string;
  readonly blobsDir: string;

  private constructor(dir: string) {
    this.dir = resolve(dir);
    this.blobsDir = join(this.dir, 'blobs');
  }

  /** Opens an existing layout; a missing or invalid oci-layout, index.json or blobs/ is a LAYOUT_INVALID error. */
  static async open(dir: string): Promise<ImageLayout> {
    const layout = new ImageLayout(dir);
    await checkOciLayoutFile(layout.dir);
    await readIndexFile(layout.dir);
    try {
      if (!(await stat(layout.blobsDir)).isDirectory()) throw new Error('not a directory');
    } catch (err) {
      throw new HullError(
        'LAYOUT_INVALID',
        `${layout.dir} is not an OCI image layout: ${layout.blobsDir} is not a directory`,
        {
          file: layout.blobsDir,
          section: 'image-spec/image-layout.md#content',
          cause: err,
        },
      );
    }
    return layout;
  }

  /** Opens the layout at `dir`, creating whatever of it is missing (idempotent, safe against concurrent creators). */
  static async create(dir: string): Promise<ImageLayout> {
    const layout = new ImageLayout(dir);
    await mkdir(layout.blobsDir, { recursive: true });
    await withDirLock(layout.dir, async () => {
      if (!(await exists(join(layout.dir, 'oci-layout'))))
        await writeFileAtomic(join(layout.dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: LAYOUT_VERSION }));
      if (!(await exists(join(layout.dir, 'index.json'))))
        await writeFileAtomic(join(layout.dir, 'index.json'), JSON.stringify(EMPTY_INDEX));
    });
    return ImageLayout.open(layout.dir);
  }

  /** blobs/ALG/ENC for a digest; the digest is validated first, so it cannot name a path outside blobs/. */
  blobPath(digest: string): string {
    const { algorithm, encoded } = parseDigest(digest);
    return join(this.blobsDir, algorithm, encoded);
  }

  async hasBlob(digest: string): Promise<boolean> {
    return exists(this.blobPath(digest));
  }

  /** Streams `source` into the layout, verified against `expected` when given. */
  putBlob(source: Readable, expected?: BlobRef, opts: { algorithm?: DigestAlgorithm } = {}): Promise<BlobRef> {
    if (expected) parseDigest(expected.digest);
    return writeBlob(this.blobsDir, source, expected, opts.algorithm);
  }

  async putBlobBuffer(buf: Buffer, mediaType = 'application/octet-stream'): Promise<Descriptor> {
    const expected = { digest: digestOf(buf), size: buf.length };
    await writeBlob(this.blobsDir, Readable.from([buf]), expected);
    return { mediaType, ...expected };
  }

  /** Stores `doc` as canonical JSON bytes (no insignificant whitespace) and returns its descriptor. */
  putJSON(doc: unknown, mediaType: string): Promise<Descriptor> {
    return this.putBlobBuffer(Buffer.from(JSON.stringify(doc), 'utf8'), mediaType);
  }

  /**
   * A stream of the blob's bytes that fails at the end (before 'end') if they do not match the
   * descriptor's digest or size: a corrupt blob is an error, never data.
   */
  openBlob(desc: BlobRef): Readable {
    const path = this.blobPath(desc.digest);
    const fd = this.openBlobFd(desc.digest);
    return pipeline(createReadStream(path, { fd }), new VerifyingStream(desc, path), () => {});
  }

  /**
   * An open descriptor of the blob, for a reader that verifies digest and size itself (the layer
   * decoder); BLOB_UNKNOWN as openBlob's when it is missing.
   */
  openBlobFd(digest: string): number {
    const path = this.blobPath(digest);
    try {
      return openSync(path, 'r');
    } catch (err) {
      throw this.mapMissing(err, digest, path);
    }
  }

  /** The blob's bytes, verified against the descriptor's digest and size. */
  async readBlob(desc: BlobRef): Promise<Buffer> {
    const path = this.blobPath(desc.digest);
    let data: Buffer;
    try {
      data = await readFile(path);
    } catch (err) {
      throw this.mapMissing(err, desc.digest, path);
    }
    verifyBuffer(data, desc, path);
    return data;
  }

  private mapMissing(err: unknown, digest: string, path: string): unknown {
    if (!isErrno(err, 'ENOENT')) return err;
    return new HullError(
      'BLOB_UNKNOWN',
      `blob ${digest} is not in the image layout ${this.dir} (${path} does not exist)`,
      {
        file: path,
        section: BLOBS_SECTION,
        cause: err,
      },
    );
  }

  readIndex(): Promise<ImageIndex> {
    return readIndexFile(this.dir);
  }

  /**
   * Read-modify-write of index.json under the layout lock. `fn` may mutate the index it is given
   * or return a replacement; the result is written atomically and returned.
   */
  updateIndex(
    fn: (index: ImageIndex) => ImageIndex | undefined | Promise<ImageIndex | undefined>,
  ): Promise<ImageIndex> {
    return withDirLock(this.dir, async () => {
      const index = await readIndexFile(this.dir);
      const next = (await fn(index)) ?? index;
      const bytes = JSON.stringify(next);
      // Never replace a good index.json with one the validators reject.
      parseIndex(bytes, join(this.dir, 'index.json'));
      await writeFileAtomic(join(this.dir, 'index.json'), bytes, this.blobsDir);
      return next;
    });
  }

  /** Points tag `name` at `descriptor`, replacing any entry of that name (image-layout.md#indexjson-file). */
  async tag(name: string, descriptor: Descriptor): Promise<void> {
    assertRefName(name);
    parseDigest(descriptor.digest);
    const entry: Descriptor = { ...descriptor, annotations: { ...descriptor.annotations, [Annotation.refName]: name } };
    await this.updateIndex((index) => {
      index.manifests = withTag(index.manifests, name, entry);
      return index;
    });
  }

  /** Removes the entries tagged `name`; returns whether there were any. */
  async untag(name: string): Promise<boolean> {
    let removed = false;
    await this.updateIndex((index) => {
      const kept = index.manifests.filter((d) => refName(d) !== name);
      removed = kept.length !== index.manifests.length;
      index.manifests = kept;
      return index;
    });
    return removed;
  }

  /** The descriptor tagged `name`, or undefined. */
  async resolveTag(name: string): Promise<Descriptor | undefined> {
    const index = await this.readIndex();
    return index.manifests.find((d) => refName(d) === name);
  }

  async listTags(): Promise<TagEntry[]> {
    const index = await this.readIndex();
    const tags: TagEntry[] = [];
    for (const descriptor of index.manifests) {
      const name = refName(descriptor);
      if (name !== undefined) tags.push({ name, descriptor });
    }
    return tags;
  }

  /** Removes blobs not reachable from index.json, and stale temp files, holding the index lock throughout. */
  gc(opts: GcOptions = {}): Promise<GcResult> {
    return withDirLock(this.dir, () => collectGarbage(this, opts));
  }
}

export function refName(desc: Descriptor): string | undefined {
  return desc.annotations?.[Annotation.refName];
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return false;
    throw err;
  }
}

/**
 * index.json's manifests with `entry` under `name`: in place of the first entry of that name
 * (the order stays stable), further entries of the name dropped, or appended when it is new.
 */
export function withTag(manifests: Descriptor[], name: string, entry: Descriptor): Descriptor[] {
  const out: Descriptor[] = [];
  let placed = false;
  for (const d of manifests) {
    if (refName(d) !== name) out.push(d);
    else if (!placed) {
      out.push(entry);
      placed = true;
    }
  }
  if (!placed) out.push(entry);
  return out;
}
