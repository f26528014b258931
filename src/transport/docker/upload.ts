/**
 * Blob uploads (spec.md#pushing-blobs). A blob that ends within CHUNK_SIZE bytes goes up
 * monolithically (POST, then PUT ?digest= with the body: one round trip more than POST-with-body,
 * but every registry supports it, and the buffered body can be retried). Bigger blobs go up in
 * CHUNK_SIZE PATCHes with Content-Range, then an empty PUT ?digest=, so memory stays bounded and
 * the digest can be computed on the way (recompressed layers have no digest until their end).
 * Cross-repository mounts (POST ?mount=&from=) are tried first when the source shares the registry.
 */
import type { Readable } from 'node:stream';
import { HullError } from '../../errors.js';
import type { BlobRef } from '../../image/layout/put-blob.js';
import { Digester, parseDigest } from '../../oci/digest.js';
import { paths } from '../../registry/api/routes.js';
import type { RegistryClient } from './client.js';

/** Mutable so tests can force chunked uploads with small blobs. */
export const uploadSettings = { chunkSize: 8 * 1024 * 1024 };

function withQuery(url: string, key: string, value: string): string {
  const u = new URL(url);
  u.searchParams.set(key, value);
  return u.toString();
}

async function location(client: RegistryClient, res: Response, what: string): Promise<string> {
  const loc = res.headers.get('location');
  if (!loc) throw new HullError('UPLOAD_INVALID', `${client.label}: ${what}: the registry sent no Location`);
  await res.body?.cancel().catch(() => undefined);
  return client.resolveLocation(loc);
}

/** Tries a cross-repository mount; returns true when the registry mounted it, else the upload URL it opened. */
export async function mountBlob(client: RegistryClient, desc: BlobRef, from: string): Promise<true | string> {
  const path = `${paths.uploadStart(client.repository)}?mount=${encodeURIComponent(desc.digest)}&from=${encodeURIComponent(from)}`;
  const res = await client.request('POST', path, { body: Buffer.alloc(0) });
  if (res.status === 201) {
    await res.body?.cancel().catch(() => undefined);
    return true;
  }
  if (res.status === 202) return location(client, res, 'mount');
  throw await client.error(res, `mounting blob ${desc.digest} from ${from}`);
}

async function startUpload(client: RegistryClient): Promise<string> {
  const res = await client.request('POST', paths.uploadStart(client.repository), { body: Buffer.alloc(0) });
  if (res.status !== 202) throw await client.error(res, 'starting a blob upload');
  return location(client, res, 'starting a blob upload');
}

/** Reads up to `size` bytes from the iterator (plus what was left over), or fewer at the end. */
class ChunkReader {
  private readonly it: AsyncIterator<Buffer | string>;
  private left: Buffer | undefined;
  done = false;
  constructor(source: Readable) {
    this.it = source[Symbol.asyncIterator]();
  }
  async read(size: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let n = 0;
    if (this.left) {
      parts.push(this.left);
      n = this.left.length;
      this.left = undefined;
    }
    while (n < size && !this.done) {
      const r = await this.it.next();
      if (r.done) {
        this.done = true;
        break;
      }
      const b = typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
      parts.push(b);
      n += b.length;
    }
    const all = Buffer.concat(parts);
    if (all.length > size) {
      this.left = all.subarray(size);
      return all.subarray(0, size);
    }
    return all;
  }
  async drained(): Promise<boolean> {
    if (this.left?.length) return false;
    if (this.done) return true;
    const r = await this.it.next();
    if (r.done) {
      this.done = true;
      return true;
    }
    this.left = typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
    return this.left.length === 0 && this.drained();
  }
}

/**
 * Uploads `source`; with `expected` the content must match it (else DIGEST_MISMATCH and the
 * upload is cancelled). `uploadUrl` continues an upload a refused mount already opened.
 */
export async function uploadBlob(
  client: RegistryClient,
  source: Readable,
  expected: BlobRef | undefined,
  uploadUrl?: string,
): Promise<BlobRef> {
  const digester = new Digester(expected ? parseDigest(expected.digest).algorithm : 'sha256');
  let url = uploadUrl ?? (await startUpload(client));
  const reader = new ChunkReader(source);
  try {
    let first = await reader.read(uploadSettings.chunkSize);
    digester.update(first);
    let offset = 0;
    if (!(await reader.drained())) {
      // Chunked: PATCH each chunk with its range, following the Location each answer gives.
      while (first.length) {
        const res = await client.request('PATCH', url, {
          headers: {
            'content-type': 'application/octet-stream',
            'content-range': `${offset}-${offset + first.length - 1}`,
            'content-length': String(first.length),
          },
          body: first,
        });
        if (res.status !== 202) throw await client.error(res, 'uploading a blob chunk');
        url = await location(client, res, 'uploading a blob chunk');
        offset += first.length;
        first = await reader.read(uploadSettings.chunkSize);
        digester.update(first);
      }
      first = Buffer.alloc(0);
    }
    const actual: BlobRef = { digest: digester.digest(), size: digester.size };
    if (expected && (actual.digest !== expected.digest || (expected.size >= 0 && actual.size !== expected.size)))
      throw new HullError(
        'DIGEST_MISMATCH',
        `${client.label}: blob content ${actual.digest} (${actual.size} bytes) does not match ${expected.digest}`,
        { section: 'image-spec/descriptor.md#digests' },
      );
    const res = await client.request('PUT', withQuery(url, 'digest', actual.digest), {
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(first.length) },
      body: first,
    });
    if (res.status !== 201 && res.status !== 204) throw await client.error(res, `uploading blob ${actual.digest}`);
    await res.body?.cancel().catch(() => undefined);
    return actual;
  } catch (err) {
    // Best effort: tell the registry the upload is abandoned (spec.md end-13).
    await client
      .request('DELETE', url, { retry: false })
      .then((r) => r.body?.cancel())
      .catch(() => undefined);
    source.destroy();
    throw err;
  }
}
