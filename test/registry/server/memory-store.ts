/**
 * A tiny in-memory RegistryStore for the server's spec tests: the same contract as the real
 * store (src/registry/store/types.ts) without a disk, so HTTP behaviour is tested on its own.
 * Appends keep what arrived before a stream error (the resumable-upload behaviour the server
 * relies on), and only a verified commit becomes a blob.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { digestOf } from '../../../src/oci/digest.js';
import type { Descriptor } from '../../../src/oci/types.js';
import { RegistryError } from '../../../src/registry/api/errors.js';
import type { BlobInfo, RegistryStore, StoredManifest, UploadState } from '../../../src/registry/store/types.js';

interface Repo {
  blobs: Set<string>;
  manifests: Map<string, StoredManifest>;
  tags: Map<string, string>;
  referrers: Map<string, Map<string, Descriptor>>;
}

interface Upload extends UploadState {
  chunks: Buffer[];
}

async function collect(stream: Readable, sink: Buffer[], onChunk?: (n: number) => void): Promise<void> {
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    sink.push(chunk);
    onChunk?.(chunk.length);
  }
}

export function createMemoryStore(): RegistryStore & { blobCount(): number } {
  const blobs = new Map<string, Buffer>();
  const repos = new Map<string, Repo>();
  const uploads = new Map<string, Upload>();
  const repo = (name: string, create = false): Repo | undefined => {
    let r = repos.get(name);
    if (!r && create) {
      r = { blobs: new Set(), manifests: new Map(), tags: new Map(), referrers: new Map() };
      repos.set(name, r);
    }
    return r;
  };
  const page = (items: string[], opts: { n?: number; last?: string } = {}) => {
    const sorted = [...items].sort();
    const after = opts.last === undefined ? sorted : sorted.filter((x) => x > opts.last!);
    return opts.n === undefined ? after : after.slice(0, opts.n);
  };
  const finish = (name: string, digest: string, data: Buffer, size?: number): BlobInfo => {
    if (size !== undefined && size !== data.length)
      throw new RegistryError('SIZE_INVALID', `got ${data.length} bytes, expected ${size}`);
    const algorithm = digest.split(':')[0] as 'sha256' | 'sha512';
    if (digestOf(data, algorithm) !== digest) throw new RegistryError('DIGEST_INVALID');
    blobs.set(digest, data);
    repo(name, true)!.blobs.add(digest);
    return { digest, size: data.length };
  };

  return {
    blobCount: () => blobs.size,
    async listRepositories(opts) {
      return page([...repos.keys()], opts);
    },
    async repositoryExists(name) {
      return repos.has(name);
    },
    async statBlob(name, digest) {
      const data = repo(name)?.blobs.has(digest) ? blobs.get(digest) : undefined;
      return data ? { digest, size: data.length } : undefined;
    },
    async readBlob(name, digest, range) {
      const data = repo(name)?.blobs.has(digest) ? blobs.get(digest) : undefined;
      if (!data) throw new RegistryError('BLOB_UNKNOWN');
      return Readable.from([range ? data.subarray(range.start, range.end + 1) : data]);
    },
    async mountBlob(name, digest, from) {
      if (!repo(from)?.blobs.has(digest)) return false;
      repo(name, true)!.blobs.add(digest);
      return true;
    },
    async deleteBlob(name, digest) {
      return repo(name)?.blobs.delete(digest) ?? false;
    },
    async startUpload(name) {
      const u: Upload = { id: randomUUID(), repository: name, size: 0, startedAt: new Date(), chunks: [] };
      uploads.set(u.id, u);
      return { id: u.id, repository: name, size: 0, startedAt: u.startedAt };
    },
    async getUpload(name, id) {
      const u = uploads.get(id);
      return u && u.repository === name ? { id, repository: name, size: u.size, startedAt: u.startedAt } : undefined;
    },
    async appendUpload(name, id, offset, chunk) {
      const u = uploads.get(id);
      if (!u || u.repository !== name) throw new RegistryError('BLOB_UPLOAD_UNKNOWN');
      if (offset !== u.size) throw new RegistryError('RANGE_INVALID');
      await collect(chunk, u.chunks, (n) => {
        u.size += n;
      });
      return { id, repository: name, size: u.size, startedAt: u.startedAt };
    },
    async commitUpload(name, id, digest, size) {
      const u = uploads.get(id);
      if (!u || u.repository !== name) throw new RegistryError('BLOB_UPLOAD_UNKNOWN');
      uploads.delete(id);
      return finish(name, digest, Buffer.concat(u.chunks), size);
    },
    async cancelUpload(name, id) {
      const u = uploads.get(id);
      if (!u || u.repository !== name) return false;
      uploads.delete(id);
      return true;
    },
    async putBlob(name, digest, content, size) {
      const chunks: Buffer[] = [];
      await collect(content, chunks);
      return finish(name, digest, Buffer.concat(chunks), size);
    },
    async getManifest(name, reference) {
      const r = repo(name);
      const digest = reference.includes(':') ? reference : r?.tags.get(reference);
      return digest ? r?.manifests.get(digest) : undefined;
    },
    async putManifest(name, manifest, opts = {}) {
      const r = repo(name, true)!;
      r.manifests.set(manifest.digest, manifest);
      if (opts.tag) r.tags.set(opts.tag, manifest.digest);
      if (opts.subject) {
        const list = r.referrers.get(opts.subject) ?? new Map<string, Descriptor>();
        list.set(manifest.digest, {
          mediaType: manifest.mediaType,
          digest: manifest.digest,
          size: manifest.bytes.length,
          ...(opts.artifactType ? { artifactType: opts.artifactType } : {}),
          ...(opts.annotations ? { annotations: opts.annotations } : {}),
        });
        r.referrers.set(opts.subject, list);
      }
    },
    async deleteManifest(name, reference) {
      const r = repo(name);
      if (!r) return false;
      if (!reference.includes(':')) return r.tags.delete(reference);
      if (!r.manifests.delete(reference)) return false;
      for (const [tag, d] of r.tags) if (d === reference) r.tags.delete(tag);
      for (const list of r.referrers.values()) list.delete(reference);
      return true;
    },
    async listTags(name, opts) {
      return page([...(repo(name)?.tags.keys() ?? [])], opts);
    },
    async referrers(name, digest, artifactType) {
      const list = [...(repo(name)?.referrers.get(digest)?.values() ?? [])];
      return artifactType ? list.filter((d) => d.artifactType === artifactType) : list;
    },
  };
}
