/**
 * hull pull: a registry image into the image store, each layer streamed from the network into
 * its blob (verified, then renamed into blobs/) and from there into its snapshot (inflated and
 * checked against the config's diff_id by the layer decoder, unpacked in overlay format into
 * snapshots/tmp-*, then renamed into place) — all layers at once, since an overlay snapshot
 * never needs its parent's files (docs/engine.md). A snapshot is committed only after its blob's digest and its diff_id
 * both matched; a failed pull removes every temp file and whatever blob or snapshot it had
 * created, so nothing half-made or unverified stays. Blobs and snapshots already present are
 * skipped; a present blob with a missing snapshot is unpacked from the store.
 *
 * Names: an unqualified name is tried on each registry of the search list in turn
 * (names.ts); the image is stored under the full name it was found at.
 */
import { pipeline, type Readable, Transform } from 'node:stream';
import { HullError } from '../../errors.js';
import { requireLayerCompression } from '../../image/layer/layer-blob.js';
import { withTag } from '../../image/layout/layout.js';
import { formatPlatform, hostPlatform } from '../../image/platform.js';
import { type PlatformSelector, platformMatches } from '../../image/resolve.js';
import { isIndexType, isManifestType, MediaType } from '../../oci/media-types.js';
import { Annotation, type Descriptor, type ImageConfig, type ImageManifest } from '../../oci/types.js';
import { parseImageConfig, parseIndex, parseManifest } from '../../oci/validate/parse.js';
import type { Credentials } from '../../transport/auth-file.js';
import { openRegistryBlob } from '../../transport/docker/blob-reader.js';
import type { RegistryClient } from '../../transport/docker/client.js';
import { connectRegistry } from '../../transport/docker/connect.js';
import { fetchManifest } from '../../transport/docker/source.js';
import type { ManifestBlob } from '../../transport/image-source.js';
import { chainIDs } from '../snapshots/chain.js';
import { runPool, snapshotFromLayout } from '../snapshots/ensure.js';
import { assertStorableName, candidates, fullName, type ImageName, tlsVerifyFor } from './names.js';
import { type ImageStore, type LocalImage, REPO_DIGEST_ANNOTATION } from './store.js';

export interface LayerProgress {
  advance(bytes: number): void;
  done(how: 'pulled' | 'skipped'): void;
}

/** What a pull reports as it goes (the CLI draws bars or prints podman's lines). */
export interface PullProgress {
  trying?(name: string): void;
  layer?(desc: Descriptor): LayerProgress;
  config?(desc: Descriptor): void;
  writingManifest?(): void;
}

export interface PullOptions {
  platform?: PlatformSelector;
  /** Undefined: verify TLS except for loopback and registries.json's insecure list. */
  tlsVerify?: boolean;
  creds?: Credentials;
  authfile?: string;
  maxLayerBytes?: number;
  /** Layers transferred at once; default 6. */
  concurrency?: number;
  progress?: PullProgress;
}

export interface PullResult {
  image: LocalImage;
  /** The full name the image is stored under. */
  name: string;
  /** The digest the registry served for the name (an index's, for a multi-platform image). */
  repoDigest: string;
  layersPulled: number;
  layersSkipped: number;
}

/** Errors after which the next registry of the search list is worth trying. */
const NOT_HERE = new Set(['MANIFEST_UNKNOWN', 'NAME_UNKNOWN', 'HTTP_404', 'NETWORK', 'UNAUTHORIZED', 'DENIED']);

export async function pullImage(store: ImageStore, text: string, opts: PullOptions = {}): Promise<PullResult> {
  const names = candidates(text, store.registries.search);
  const failures: string[] = [];
  for (const [i, ref] of names.entries()) {
    opts.progress?.trying?.(fullName(ref));
    try {
      return await pullOne(store, ref, opts);
    } catch (err) {
      const last = i === names.length - 1;
      if (names.length === 1 || !(err instanceof HullError) || !NOT_HERE.has(err.code)) throw err;
      failures.push((err as Error).message);
      if (last)
        throw new HullError(
          'IMAGE_NOT_FOUND',
          `${text}: not found in any registry searched (${names.map((n) => n.registry).join(', ')}): ${failures.join('; ')}`,
          { cause: err },
        );
    }
  }
  throw new HullError('IMAGE_NOT_FOUND', `${text}: no registries to search`);
}

async function pullOne(store: ImageStore, ref: ImageName, opts: PullOptions): Promise<PullResult> {
  const name = fullName(ref);
  assertStorableName(name);
  const tlsVerify = tlsVerifyFor(ref.registry, store.registries, opts.tlsVerify);
  const client = await connectRegistry(
    ref,
    name,
    { tlsVerify, ...(opts.creds ? { creds: opts.creds } : {}), ...(opts.authfile ? { authfile: opts.authfile } : {}) },
    ['pull'],
  );
  const top = await fetchManifest(client, ref.digest ?? ref.tag ?? 'latest');
  const chosen = await chooseManifest(client, top, opts.platform ?? hostPlatform());
  const manifest = parseManifest(chosen.bytes, `${name}@${chosen.digest}`);
  const configDesc = manifest.config;
  if (configDesc.mediaType !== MediaType.imageConfig && configDesc.mediaType !== MediaType.dockerConfig)
    throw new HullError(
      'CONFIG_UNSUPPORTED',
      `${name}: not a container image: its config has media type '${configDesc.mediaType}'`,
      { jsonPath: '$.config.mediaType', section: 'image-spec/manifest.md#guidelines-for-artifact-usage' },
    );

  const created = { blobs: [] as string[], chains: [] as string[] };
  try {
    const layout = store.layout;
    if (!(await layout.hasBlob(configDesc.digest))) {
      await layout.putBlob(openRegistryBlob(client, configDesc), { digest: configDesc.digest, size: configDesc.size });
      created.blobs.push(configDesc.digest);
    }
    opts.progress?.config?.(configDesc);
    const configBytes = await layout.readBlob(configDesc);
    const config: ImageConfig = parseImageConfig(configBytes, `${name}: config ${configDesc.digest}`);
    const diffIDs = config.rootfs.diff_ids;
    if (diffIDs.length !== manifest.layers.length)
      throw new HullError(
        'CONFIG_INVALID',
        `${name}: the config has ${diffIDs.length} diff_ids but the manifest has ${manifest.layers.length} layers`,
        { jsonPath: '$.rootfs.diff_ids', section: 'image-spec/config.md#properties' },
      );
    const chains = chainIDs(diffIDs);
    const counts = await pullLayers(store, client, manifest, diffIDs, chains, opts, created);

    opts.progress?.writingManifest?.();
    await layout.putBlobBuffer(chosen.bytes, chosen.mediaType);
    await tagPulled(store, name, manifest, chains, {
      mediaType: chosen.mediaType,
      digest: chosen.digest,
      size: chosen.bytes.length,
      annotations: { [REPO_DIGEST_ANNOTATION]: top.digest },
    });
    const image = await store.resolve(name);
    return { image, name, repoDigest: top.digest, ...counts };
  } catch (err) {
    // Verified content this pull created goes with it, unless something now references it.
    await store.sweep(created).catch(() => undefined);
    throw err;
  }
}

/** For an index, the manifest for the platform (fetched by digest, so verified); else the manifest itself. */
async function chooseManifest(
  client: RegistryClient,
  top: ManifestBlob,
  want: PlatformSelector,
): Promise<ManifestBlob> {
  let m = top;
  for (let depth = 0; isIndexType(m.mediaType); depth++) {
    if (depth >= 8) throw new HullError('INDEX_TOO_DEEP', `${client.label}: image indexes nest more than 8 deep`);
    const index = parseIndex(m.bytes, `${client.label}@${m.digest}`);
    const matching = index.manifests.filter((d) => d.platform && platformMatches(d.platform, want));
    const best = want.variant ? matching[0] : (matching.find((d) => !d.platform?.variant) ?? matching[0]);
    if (!best) {
      const available = index.manifests.filter((d) => d.platform).map((d) => formatPlatform(d.platform!));
      throw new HullError(
        'PLATFORM_UNKNOWN',
        `${client.label}: no image for platform ${formatPlatform(want)}; available: ${available.join(', ') || 'none'}`,
        { section: 'image-spec/image-index.md#image-index-property-descriptions' },
      );
    }
    m = await fetchManifest(client, best.digest);
  }
  if (!isManifestType(m.mediaType))
    throw new HullError(
      'MEDIA_TYPE_UNSUPPORTED',
      `${client.label}: ${m.digest} has media type '${m.mediaType}', not an image manifest or index`,
    );
  return m;
}

async function pullLayers(
  store: ImageStore,
  client: RegistryClient,
  manifest: ImageManifest,
  diffIDs: string[],
  chains: string[],
  opts: PullOptions,
  created: { blobs: string[]; chains: string[] },
): Promise<{ layersPulled: number; layersSkipped: number }> {
  const { layout, snapshots } = store;
  let pulled = 0;
  let skipped = 0;
  // The same blob twice in one image: the first occurrence downloads, later ones unpack from the store.
  const firstOf = new Map<string, Promise<void>>();
  const image = { layers: manifest.layers, diffIDs, chainIDs: chains };
  await runPool(
    manifest.layers.map((_, i) => i),
    opts.concurrency ?? 6,
    async (i) => {
      const layer = manifest.layers[i]!;
      const progress = opts.progress?.layer?.(layer);
      const chain = chains[i]!;
      const earlier = firstOf.get(layer.digest);
      const needSnapshot = !(await snapshots.has(chain));
      if (earlier || (await layout.hasBlob(layer.digest))) {
        await earlier;
        if (needSnapshot) {
          await snapshotFromLayout(layout, snapshots, image, i, { maxLayerBytes: opts.maxLayerBytes });
          created.chains.push(chain);
        }
        skipped++;
        progress?.done('skipped');
        return;
      }
      let settle!: () => void;
      firstOf.set(
        layer.digest,
        new Promise<void>((r) => {
          settle = r;
        }),
      );
      try {
        await pullLayer(store, client, layer, i, image, needSnapshot, opts, progress, created);
      } finally {
        settle();
      }
      pulled++;
      progress?.done('pulled');
    },
  );
  return { layersPulled: pulled, layersSkipped: skipped };
}

function counting(progress: LayerProgress | undefined): Transform {
  return new Transform({
    highWaterMark: 1 << 20,
    transform(chunk: Buffer, _e, cb) {
      progress?.advance(chunk.length);
      cb(null, chunk);
    },
  });
}

/**
 * One layer: network → blob (verified, renamed in), then → layer decoder (blob digest, inflate,
 * diff_id, off the main thread: layer/decode.ts) → overlay unpack, committed once both digests
 * matched. Measured on the debian:bench fixture: teeing the network stream into inflate on the
 * main thread was slower (~3.3 s vs ~2.5 s) than landing the blob first and decoding it off the
 * main thread, since the main thread's
 * tar work is the bottleneck and a loopback registry delivers 50 MB in ~50 ms.
 */
async function pullLayer(
  store: ImageStore,
  client: RegistryClient,
  layer: Descriptor,
  i: number,
  image: { layers: Descriptor[]; diffIDs: string[]; chainIDs: string[] },
  needSnapshot: boolean,
  opts: PullOptions,
  progress: LayerProgress | undefined,
  created: { blobs: string[]; chains: string[] },
): Promise<void> {
  const blobRef = { digest: layer.digest, size: layer.size };
  if (needSnapshot) requireLayerCompression(layer);
  // The decoder's start-up (a worker thread, when a layer needs one) overlaps the download.
  if (needSnapshot) void import('../../image/layer/decode.js').then((m) => m.warmDecoder());
  const source: Readable = pipeline(openRegistryBlob(client, layer), counting(progress), () => {});
  await store.layout.putBlob(source, blobRef);
  created.blobs.push(layer.digest);
  if (!needSnapshot) return;
  // Inflate and both digests off the main thread (layer/decode.ts); it only parses and writes.
  await snapshotFromLayout(store.layout, store.snapshots, image, i, { maxLayerBytes: opts.maxLayerBytes });
  created.chains.push(image.chainIDs[i]!);
}

/**
 * Names the pulled manifest, under the layout lock, after checking that every blob and
 * snapshot it needs is there (a concurrent rmi sweeps under the same lock).
 */
async function tagPulled(
  store: ImageStore,
  name: string,
  manifest: ImageManifest,
  chains: string[],
  desc: Descriptor,
): Promise<void> {
  const entry: Descriptor = { ...desc, annotations: { ...desc.annotations, [Annotation.refName]: name } };
  await store.layout.updateIndex(async (index) => {
    for (const d of [desc, manifest.config, ...manifest.layers])
      if (!(await store.layout.hasBlob(d.digest)))
        throw new HullError(
          'PULL_RACED',
          `${name}: blob ${d.digest} was removed while pulling (a concurrent rmi or prune); pull again`,
        );
    for (const c of chains)
      if (!(await store.snapshots.has(c)))
        throw new HullError(
          'PULL_RACED',
          `${name}: snapshot ${c} was removed while pulling (a concurrent rmi or prune); pull again`,
        );
    index.manifests = withTag(index.manifests, name, entry);
    return index;
  });
}
