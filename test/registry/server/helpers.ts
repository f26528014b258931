/** Starts a registry on 127.0.0.1:0 over the in-memory store and talks to it over real HTTP. */
import { after } from 'node:test';
import { digestOf } from '../../../src/oci/digest.js';
import { MediaType } from '../../../src/oci/media-types.js';
import { defaultConfig, type RegistryConfig } from '../../../src/registry/config.js';
import type { RequestLog } from '../../../src/registry/server/log.js';
import { openStore } from '../../../src/registry/server/open-store.js';
import { type RegistryDeps, type RunningRegistry, startRegistry } from '../../../src/registry/server/server.js';
import type { RegistryStore } from '../../../src/registry/store/types.js';
import { tempDir } from '../../helpers/fixtures.js';
import { createMemoryStore } from './memory-store.js';

export interface TestRegistry extends RunningRegistry {
  logs: RequestLog[];
  store: RegistryStore;
  req(method: string, path: string, opts?: { headers?: Record<string, string>; body?: Buffer | string }): Promise<Res>;
}

export interface Res {
  status: number;
  headers: Headers;
  body: Buffer;
  // biome-ignore lint/suspicious/noExplicitAny: test bodies are read field by field
  json(): any;
}

/** Every spec test runs over both: the server alone (memory) and the server over the real store. */
export const storeKinds = ['memory', 'filesystem'] as const;
export type StoreKind = (typeof storeKinds)[number];

export async function testRegistry(
  kind: StoreKind,
  tweak: (c: RegistryConfig) => void = () => {},
  deps: Omit<RegistryDeps, 'log'> = {},
): Promise<TestRegistry> {
  const config = defaultConfig();
  config.addr = '127.0.0.1:0';
  config.root = tempDir('hull-registry-test-');
  tweak(config);
  const logs: RequestLog[] = [];
  const store = deps.store ?? (kind === 'memory' ? createMemoryStore() : await openStore(config.root));
  const reg = await startRegistry(config, { ...deps, store, log: (l) => logs.push(l) });
  after(() => reg.close(100));
  return {
    ...reg,
    logs,
    store,
    async req(method, path, opts = {}) {
      const res = await fetch(reg.url + path, {
        method,
        headers: opts.headers,
        body: typeof opts.body === 'string' || opts.body === undefined ? opts.body : new Uint8Array(opts.body),
        redirect: 'manual',
      });
      const body = Buffer.from(await res.arrayBuffer());
      return { status: res.status, headers: res.headers, body, json: () => JSON.parse(body.toString()) };
    },
  };
}

/** The first error code of a spec error body. */
export function errorCode(res: Res): string | undefined {
  return res.json().errors?.[0]?.code;
}

export async function pushBlob(reg: TestRegistry, repo: string, data: Buffer | string): Promise<string> {
  const digest = digestOf(data);
  const res = await reg.req('POST', `/v2/${repo}/blobs/uploads/?digest=${digest}`, {
    body: data,
    headers: { 'Content-Type': 'application/octet-stream' },
  });
  if (res.status !== 201) throw new Error(`push blob: ${res.status} ${res.body}`);
  return digest;
}

export interface PushedImage {
  digest: string;
  bytes: Buffer;
  config: string;
  layer: string;
}

/** Pushes a config, one layer and an image manifest; `extra` is merged into the manifest. */
export async function pushImage(
  reg: TestRegistry,
  repo: string,
  ref: string,
  extra: Record<string, unknown> = {},
  seed = 'x',
): Promise<PushedImage> {
  const configData = JSON.stringify({ architecture: 'amd64', os: 'linux', seed });
  const layerData = `layer-${seed}`;
  const config = await pushBlob(reg, repo, configData);
  const layer = await pushBlob(reg, repo, layerData);
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaType.imageManifest,
    config: { mediaType: MediaType.imageConfig, digest: config, size: configData.length },
    layers: [{ mediaType: MediaType.layerTarGzip, digest: layer, size: layerData.length }],
    ...extra,
  };
  const bytes = Buffer.from(JSON.stringify(manifest));
  const res = await reg.req('PUT', `/v2/${repo}/manifests/${ref}`, {
    body: bytes,
    headers: { 'Content-Type': MediaType.imageManifest },
  });
  if (res.status !== 201) throw new Error(`push manifest: ${res.status} ${res.body}`);
  return { digest: digestOf(bytes), bytes, config, layer };
}
