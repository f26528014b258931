/**
 * A small in-memory RegistryStore for the web page's unit tests: just the reads the page makes,
 * plus helpers to fill it. Writes the page never does are left unimplemented.
 */
import { Readable } from 'node:stream';
import { digestOf } from '../../../src/oci/digest.js';
import { MediaType } from '../../../src/oci/media-types.js';
import type { Descriptor } from '../../../src/oci/types.js';
import type { RegistryStore, StoredManifest } from '../../../src/registry/store/types.js';

interface Repo {
  blobs: Map<string, Buffer>;
  manifests: Map<string, StoredManifest>;
  tags: Map<string, string>;
  referrers: Map<string, Descriptor[]>;
}

function page<T extends string>(sorted: T[], opts?: { n?: number; last?: string }): T[] {
  const after = opts?.last ? sorted.filter((x) => x > (opts.last as string)) : sorted;
  return opts?.n === undefined ? after : after.slice(0, opts.n);
}

export class MemoryStore implements RegistryStore {
  readonly repos = new Map<string, Repo>();

  private repo(name: string): Repo {
    let r = this.repos.get(name);
    if (!r) {
      r = { blobs: new Map(), manifests: new Map(), tags: new Map(), referrers: new Map() };
      this.repos.set(name, r);
    }
    return r;
  }

  addBlob(repo: string, data: Buffer | string, mediaType = 'application/octet-stream'): Descriptor {
    const bytes = Buffer.from(data);
    const digest = digestOf(bytes);
    this.repo(repo).blobs.set(digest, bytes);
    return { mediaType, digest, size: bytes.length };
  }

  addManifest(repo: string, doc: Record<string, unknown>, tag?: string): Descriptor {
    const mediaType = String(doc.mediaType ?? MediaType.imageManifest);
    const bytes = Buffer.from(JSON.stringify(doc));
    const digest = digestOf(bytes);
    const r = this.repo(repo);
    r.manifests.set(digest, { digest, mediaType, bytes });
    if (tag) r.tags.set(tag, digest);
    const subject = doc.subject as Descriptor | undefined;
    if (subject) {
      const list = r.referrers.get(subject.digest) ?? [];
      const config = doc.config as Descriptor | undefined;
      list.push({
        mediaType,
        digest,
        size: bytes.length,
        artifactType: (doc.artifactType as string | undefined) ?? config?.mediaType,
      });
      r.referrers.set(subject.digest, list);
    }
    return { mediaType, digest, size: bytes.length };
  }

  /** A one-layer image with a config (created, platform), tagged. */
  addImage(
    repo: string,
    tag: string,
    opts: { created?: string; architecture?: string; layer?: string } = {},
  ): Descriptor {
    const layer = this.addBlob(repo, opts.layer ?? `layer of ${repo}:${tag}`, MediaType.layerTarGzip);
    const config = this.addBlob(
      repo,
      JSON.stringify({
        created: opts.created ?? '2024-01-02T03:04:05Z',
        architecture: opts.architecture ?? 'amd64',
        os: 'linux',
        rootfs: { type: 'layers', diff_ids: [] },
      }),
      MediaType.imageConfig,
    );
    return this.addManifest(
      repo,
      { schemaVersion: 2, mediaType: MediaType.imageManifest, config, layers: [layer] },
      tag,
    );
  }

  async listRepositories(opts?: { n?: number; last?: string }): Promise<string[]> {
    return page([...this.repos.keys()].sort(), opts);
  }
  async repositoryExists(repo: string): Promise<boolean> {
    return this.repos.has(repo);
  }
  async statBlob(repo: string, digest: string) {
    const b = this.repos.get(repo)?.blobs.get(digest);
    return b ? { digest, size: b.length } : undefined;
  }
  async readBlob(repo: string, digest: string): Promise<Readable> {
    const b = this.repos.get(repo)?.blobs.get(digest);
    if (!b) throw new Error(`no blob ${digest}`);
    return Readable.from([b]);
  }
  async getManifest(repo: string, reference: string): Promise<StoredManifest | undefined> {
    const r = this.repos.get(repo);
    if (!r) return undefined;
    return r.manifests.get(r.tags.get(reference) ?? reference);
  }
  async listTags(repo: string, opts?: { n?: number; last?: string }): Promise<string[]> {
    return page([...(this.repos.get(repo)?.tags.keys() ?? [])].sort(), opts);
  }
  async referrers(repo: string, digest: string): Promise<Descriptor[]> {
    return this.repos.get(repo)?.referrers.get(digest) ?? [];
  }

  mountBlob(): Promise<boolean> {
    throw new Error('not used by the web page');
  }
  deleteBlob(): Promise<boolean> {
    throw new Error('not used by the web page');
  }
  startUpload(): never {
    throw new Error('not used by the web page');
  }
  getUpload(): never {
    throw new Error('not used by the web page');
  }
  appendUpload(): never {
    throw new Error('not used by the web page');
  }
  commitUpload(): never {
    throw new Error('not used by the web page');
  }
  cancelUpload(): never {
    throw new Error('not used by the web page');
  }
  putBlob(): never {
    throw new Error('not used by the web page');
  }
  putManifest(): never {
    throw new Error('not used by the web page');
  }
  deleteManifest(): never {
    throw new Error('not used by the web page');
  }
}
