/** A RegistryStore over a real FilesystemDriver in a fresh temp dir, plus push helpers. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after } from 'node:test';
import { digestOf } from '../../../src/oci/digest.js';
import { MediaType } from '../../../src/oci/media-types.js';
import type { ImageManifest } from '../../../src/oci/types.js';
import { FilesystemDriver } from '../../../src/registry/storage/fs-driver.js';
import { createRegistryStore, type RegistryStoreOptions } from '../../../src/registry/store/store.js';
import type { RegistryStore, StoredManifest } from '../../../src/registry/store/types.js';

const roots: string[] = [];
after(async () => {
  await Promise.all(roots.map((r) => rm(r, { recursive: true, force: true })));
});

export interface Fixture {
  root: string;
  driver: FilesystemDriver;
  store: RegistryStore;
}

export async function tempStore(opts?: RegistryStoreOptions): Promise<Fixture> {
  const root = await mkdtemp(join(tmpdir(), 'hull-store-'));
  roots.push(root);
  const driver = new FilesystemDriver(root);
  return { root, driver, store: createRegistryStore(driver, opts) };
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(chunks);
}

export const body = (data: Buffer | string): Readable => Readable.from([Buffer.from(data)]);

export async function pushBlob(store: RegistryStore, repo: string, data: Buffer | string): Promise<string> {
  const digest = digestOf(data);
  await store.putBlob(repo, digest, body(data), Buffer.byteLength(data));
  return digest;
}

/** Chunked push: start, PATCH each chunk at the right offset, commit. */
export async function pushChunked(store: RegistryStore, repo: string, chunks: string[]): Promise<string> {
  const digest = digestOf(chunks.join(''));
  const up = await store.startUpload(repo);
  let offset = 0;
  for (const c of chunks) {
    const st = await store.appendUpload(repo, up.id, offset, body(c));
    offset = st.size;
  }
  await store.commitUpload(repo, up.id, digest, offset);
  return digest;
}

export function manifestOf(config: string, layers: string[], extra: Partial<ImageManifest> = {}): StoredManifest {
  const doc: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.imageManifest,
    config: { mediaType: MediaType.imageConfig, digest: digestOf(config), size: config.length },
    layers: layers.map((l) => ({ mediaType: MediaType.layerTar, digest: digestOf(l), size: l.length })),
    ...extra,
  };
  const bytes = Buffer.from(JSON.stringify(doc));
  return { digest: digestOf(bytes), mediaType: MediaType.imageManifest, bytes };
}

export function indexOf(children: StoredManifest[], extra: Record<string, unknown> = {}): StoredManifest {
  const doc = {
    schemaVersion: 2,
    mediaType: MediaType.imageIndex,
    manifests: children.map((c) => ({ mediaType: c.mediaType, digest: c.digest, size: c.bytes.length })),
    ...extra,
  };
  const bytes = Buffer.from(JSON.stringify(doc));
  return { digest: digestOf(bytes), mediaType: MediaType.imageIndex, bytes };
}

/** Pushes config + layers as blobs and the manifest, tagged when `tag` is given. */
export async function pushImage(
  store: RegistryStore,
  repo: string,
  config: string,
  layers: string[],
  tag?: string,
  extra: Partial<ImageManifest> = {},
): Promise<StoredManifest> {
  await pushBlob(store, repo, config);
  for (const l of layers) await pushBlob(store, repo, l);
  const m = manifestOf(config, layers, extra);
  await store.putManifest(repo, m, tag === undefined ? {} : { tag });
  return m;
}
