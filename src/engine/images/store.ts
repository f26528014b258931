/**
 * The engine's image store: an OCI image layout at ROOT/images (every blob of every image,
 * shared) whose index.json names images by full reference (docker.io/library/busybox:latest),
 * plus the overlay snapshots at ROOT/snapshots. An image's id is its config digest, as docker's
 * is. An index.json entry without a name is a dangling image (`<none>`), kept only because a
 * container still uses it (rmi -f of an image in use, as docker does).
 *
 * Removal is careful about concurrent hull processes: index.json changes under the layout's
 * flock, and content is swept under the same lock after re-marking what the index still
 * references, so a pull that tags (under that lock, after checking its content is there) and a
 * removal never leave an image whose blobs or snapshots are gone.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { HullError } from '../../errors.js';
import { type ImageLayout, ImageLayout as Layout, refName } from '../../image/layout/layout.js';
import { withDirLock } from '../../image/layout/lock.js';
import { hostPlatform } from '../../image/platform.js';
import { type ResolvedImage, resolveImage } from '../../image/resolve.js';
import { isDigest } from '../../oci/digest.js';
import { isIndexType, isManifestType } from '../../oci/media-types.js';
import { Annotation, type Descriptor, type ImageConfig, type ImageManifest } from '../../oci/types.js';
import { parseJSON } from '../../oci/validate/parse.js';
import { chainIDs } from '../snapshots/chain.js';
import { type EnsureOptions, ensureSnapshots } from '../snapshots/ensure.js';
import { SnapshotStore } from '../snapshots/snapshot-store.js';
import {
  assertStorableName,
  candidates,
  fullName,
  loadRegistriesConfig,
  parseImageName,
  type RegistriesConfig,
  splitName,
} from './names.js';

/** Annotation on an index.json entry: the digest the registry served (an index for multi-platform images). */
export const REPO_DIGEST_ANNOTATION = 'io.hull.image.repo-digest';

export interface LocalImage {
  /** The full name it was found by (docker.io/library/busybox:latest), else its first name, else its id. */
  ref: string;
  /** The config digest: docker's image id. */
  id: string;
  /** Full names pointing at this image (docker.io/library/busybox:latest); empty when dangling. */
  names: string[];
  /** NAME@DIGEST forms: the repository with the digest it was pulled by (docker's RepoDigests). */
  repoDigests: string[];
  manifestDigest: string;
  manifest: ImageManifest;
  configDescriptor: Descriptor;
  /** The image config (image-spec/config.md): what bundle conversion reads. */
  config: ImageConfig;
  configBytes: Buffer;
  layers: Descriptor[];
  diffIDs: string[];
  chainIDs: string[];
  created: string | undefined;
  /** Unpacked bytes where snapshots exist, else compressed layer bytes; plus the config. */
  size: number;
}

export interface RemoveOptions {
  force?: boolean;
  /** Whether a container uses the image (by id); such an image is not removed without force, and its content never is. */
  inUse?: (imageId: string) => boolean | Promise<boolean>;
}

export interface RemoveResult {
  untagged: string[];
  /** Image ids deleted. */
  deleted: string[];
}

export interface PruneResult {
  blobs: string[];
  snapshots: string[];
  freedBytes: number;
}

export interface DiskUsage {
  images: Array<{ id: string; names: string[]; size: number; sharedSize: number; uniqueSize: number }>;
  /** Bytes of all blobs and all snapshots (each counted once). */
  blobsBytes: number;
  snapshotsBytes: number;
}

export class ImageStore {
  readonly layout: ImageLayout;
  readonly snapshots: SnapshotStore;
  readonly registries: RegistriesConfig;

  private constructor(
    readonly root: string,
    layout: ImageLayout,
    snapshots: SnapshotStore,
  ) {
    this.layout = layout;
    this.snapshots = snapshots;
    this.registries = loadRegistriesConfig(root);
  }

  /** Opens (creating if needed) the store under `root` (--root, default /var/lib/hull). */
  static async open(root: string): Promise<ImageStore> {
    // Opening an existing layout takes no lock and writes nothing (half the time of create,
    // which every `hull run` would pay, bench/run.ts); create only the first time.
    const dir = join(root, 'images');
    const layout = await Layout.open(dir).catch(() => Layout.create(dir));
    const snapshots = await SnapshotStore.open(join(root, 'snapshots'));
    return new ImageStore(root, layout, snapshots);
  }

  /** Every image, named or dangling, newest first. */
  async list(): Promise<LocalImage[]> {
    const index = await this.layout.readIndex();
    const byManifest = new Map<string, LocalImage>();
    for (const desc of index.manifests) {
      if (!isIndexType(desc.mediaType) && !isManifestType(desc.mediaType)) continue;
      const name = refName(desc);
      const key = `${desc.digest}`;
      let img = byManifest.get(key);
      if (!img) {
        img = await this.load(desc);
        byManifest.set(key, img);
      }
      addName(img, desc, name);
    }
    // Images reached through different entries (an index and its manifest) are one image.
    const byId = new Map<string, LocalImage>();
    for (const img of byManifest.values()) {
      const seen = byId.get(`${img.id} ${img.manifestDigest}`);
      if (!seen) byId.set(`${img.id} ${img.manifestDigest}`, img);
      else {
        for (const n of img.names) if (!seen.names.includes(n)) seen.names.push(n);
        for (const d of img.repoDigests) if (!seen.repoDigests.includes(d)) seen.repoDigests.push(d);
      }
    }
    // Newest first. RFC 3339 times sort by code unit; localeCompare would load ICU's collator
    // (~40 ms) on the first call, in every `hull run`.
    const out = [...byId.values()].sort((a, b) => {
      const x = a.created ?? '';
      const y = b.created ?? '';
      return x < y ? 1 : x > y ? -1 : 0;
    });
    for (const img of out) img.ref = img.names[0] ?? img.id;
    return out;
  }

  /** The image an index.json entry leads to (platform picked from an index as the host's). */
  private async load(desc: Descriptor): Promise<LocalImage> {
    const resolved = await this.resolveEntry(desc);
    return this.fromResolved(resolved);
  }

  private async resolveEntry(desc: Descriptor): Promise<ResolvedImage> {
    return resolveImage(this.layout, { digest: desc.digest, platform: hostPlatform() });
  }

  private async fromResolved(r: ResolvedImage): Promise<LocalImage> {
    const diffIDs = r.config.rootfs.diff_ids;
    if (diffIDs.length !== r.manifest.layers.length)
      throw new HullError(
        'CONFIG_INVALID',
        `image ${r.configDescriptor.digest}: the config has ${diffIDs.length} diff_ids but the manifest has ${r.manifest.layers.length} layers`,
        { jsonPath: '$.rootfs.diff_ids', section: 'image-spec/config.md#properties' },
      );
    const chains = chainIDs(diffIDs);
    let size = r.configDescriptor.size;
    for (const [i, chain] of chains.entries()) {
      const info = await this.snapshots.info(chain);
      size += info ? info.size : r.manifest.layers[i]!.size;
    }
    return {
      ref: r.configDescriptor.digest,
      id: r.configDescriptor.digest,
      names: [],
      repoDigests: [],
      manifestDigest: r.manifestDescriptor.digest,
      manifest: r.manifest,
      configDescriptor: r.configDescriptor,
      config: r.config,
      configBytes: r.configBytes,
      layers: r.manifest.layers,
      diffIDs,
      chainIDs: chains,
      created: r.config.created,
      size,
    };
  }

  /**
   * The image `text` names: a name (short names through the search list, as in
   * names.ts; NAME@DIGEST matches a name pulled by that digest too), a full image id
   * (sha256:HEX) or a unique prefix of one, as docker accepts. Undefined when none matches.
   */
  async find(text: string): Promise<LocalImage | undefined> {
    let ref: ReturnType<typeof parseImageName> | undefined;
    try {
      ref = parseImageName(text);
    } catch {
      ref = undefined; // not a name; maybe an id
    }
    // A name that index.json holds: only its image is read (`hull run` in a store of many
    // images reads one manifest and config, not all of them).
    if (ref) {
      const index = await this.layout.readIndex();
      for (const c of candidates(text, this.registries.search)) {
        const name = fullName(c);
        const entry = index.manifests.find((d) => refName(d) === name);
        if (!entry || (!isIndexType(entry.mediaType) && !isManifestType(entry.mediaType))) continue;
        const img = await this.load(entry);
        for (const d of index.manifests) if (d.digest === entry.digest) addName(img, d, refName(d));
        return { ...img, ref: name };
      }
    }
    const images = await this.list();
    if (ref) {
      for (const c of candidates(text, this.registries.search)) {
        const name = fullName(c);
        const hit = images.find((img) => img.names.includes(name) || img.repoDigests.includes(name));
        if (hit) return { ...hit, ref: name };
        if (c.digest) {
          const repo = `${c.registry}/${c.repository}`;
          const byDigest = images.find(
            (img) => img.manifestDigest === c.digest && img.names.some((n) => splitName(n).repository === repo),
          );
          if (byDigest) return { ...byDigest, ref: fullName(c) };
        }
      }
    }
    const m = /^(?:sha256:)?([a-f0-9]{1,64})$/.exec(text);
    if (!m) return undefined;
    const prefix = `sha256:${m[1]}`;
    const ids = [...new Set(images.filter((img) => img.id.startsWith(prefix)).map((img) => img.id))];
    if (ids.length > 1)
      throw new HullError('IMAGE_AMBIGUOUS', `image id prefix '${text}' matches ${ids.length} images; give more of it`);
    if (ids.length === 0) return undefined;
    // Prefer a named entry of that id.
    const all = images.filter((img) => img.id === ids[0]);
    return all.find((img) => img.names.length) ?? all[0];
  }

  /** find(), or IMAGE_UNKNOWN naming what was looked for. */
  async resolve(text: string): Promise<LocalImage> {
    const img = await this.find(text);
    if (img) return img;
    throw new HullError('IMAGE_UNKNOWN', `no such image: ${text}`, { file: join(this.layout.dir, 'index.json') });
  }

  /** Names `target` (normalised; a tag, not a digest) the image `source` names. Returns the full target name. */
  async tag(source: string, target: string): Promise<string> {
    const img = await this.resolve(source);
    const ref = parseImageName(target);
    if (ref.digest)
      throw new HullError('REFERENCE_INVALID', `cannot tag with a digest reference '${target}': name a tag`, {
        section: 'distribution-spec/spec.md#pulling-manifests',
      });
    const name = fullName(ref.qualified ? ref : candidates(target, ['docker.io'])[0]!);
    await this.setName(name, img);
    return name;
  }

  /** Points `name` (a full name) at the image, replacing what it named before. */
  async setName(name: string, img: LocalImage, repoDigest?: string): Promise<void> {
    assertStorableName(name);
    const desc = await this.manifestEntry(img);
    const annotations: Record<string, string> = { ...desc.annotations };
    delete annotations[Annotation.refName];
    if (repoDigest) annotations[REPO_DIGEST_ANNOTATION] = repoDigest;
    await this.layout.tag(name, { ...desc, annotations });
  }

  private async manifestEntry(img: LocalImage): Promise<Descriptor> {
    const index = await this.layout.readIndex();
    const found = index.manifests.find((d) => d.digest === img.manifestDigest);
    if (found) return found;
    return {
      mediaType: img.manifest.mediaType ?? 'application/vnd.oci.image.manifest.v1+json',
      digest: img.manifestDigest,
      size: -1,
    };
  }

  /** Removes one name; returns whether it existed. */
  untag(name: string): Promise<boolean> {
    return this.layout.untag(name);
  }

  /**
   * docker rmi: by name, the name is untagged and the image deleted once no name is left; by
   * id, every name goes (with more than one, only with force). An image a container uses is not
   * deleted without force; with force it is untagged and kept as a dangling image until no
   * container uses it. Deleting removes the blobs and snapshots no other image shares.
   */
  async remove(text: string, opts: RemoveOptions = {}): Promise<RemoveResult> {
    const img = await this.resolve(text);
    const inUse = opts.inUse ? await opts.inUse(img.id) : false;
    const byName = this.matchesName(text, img);
    const result: RemoveResult = { untagged: [], deleted: [] };
    const namesToDrop = byName ? [byName] : [...img.names];
    if (!byName && img.names.length > 1 && !opts.force)
      throw new HullError(
        'IMAGE_CONFLICT',
        `unable to delete ${shortId(img.id)} (must be forced): image is referenced in multiple repositories (${img.names.join(', ')})`,
      );
    const lastName = img.names.every((n) => namesToDrop.includes(n));
    if (lastName && inUse && !opts.force)
      throw new HullError(
        'IMAGE_IN_USE',
        `image ${shortId(img.id)} (${img.names[0] ?? '<none>'}) is in use by a container; remove the container first or force`,
      );
    const keepDangling = lastName && inUse;
    await this.layout.updateIndex((index) => {
      const out: Descriptor[] = [];
      let keptDangling = false;
      for (const d of index.manifests) {
        const n = refName(d);
        const ofImage = d.digest === img.manifestDigest || (n !== undefined && img.names.includes(n));
        if (!ofImage) {
          out.push(d);
          continue;
        }
        if (n !== undefined && !namesToDrop.includes(n)) {
          out.push(d);
          continue;
        }
        if (n !== undefined) result.untagged.push(n);
        if (keepDangling && !keptDangling) {
          const annotations = { ...d.annotations };
          delete annotations[Annotation.refName];
          out.push({ ...d, annotations });
          keptDangling = true;
        }
      }
      index.manifests = out;
      return index;
    });
    if (lastName && !keepDangling) {
      result.deleted.push(img.id);
      // Only this image's own content; sweep() keeps whatever another image still references.
      await this.sweep({
        blobs: [img.manifestDigest, img.configDescriptor.digest, ...img.layers.map((l) => l.digest)],
        chains: img.chainIDs,
      });
    }
    return result;
  }

  private matchesName(text: string, img: LocalImage): string | undefined {
    let cands: string[];
    try {
      cands = candidates(text, this.registries.search).map(fullName);
    } catch {
      return undefined;
    }
    return cands.find((c) => img.names.includes(c));
  }

  /**
   * Removes content not referenced by index.json: `only` limits the sweep to those blobs and
   * snapshots (a removal's own content), else every unreferenced blob and snapshot older than
   * `graceMs` goes (prune; younger ones may belong to a pull that has not tagged yet).
   */
  async sweep(only?: { blobs: string[]; chains: string[] }, graceMs = 10 * 60_000): Promise<PruneResult> {
    return withDirLock(this.layout.dir, async () => {
      const marked = await this.referenced();
      const result: PruneResult = { blobs: [], snapshots: [], freedBytes: 0 };
      const now = Date.now();
      const blobs = only ? only.blobs : await this.allBlobs();
      for (const digest of new Set(blobs)) {
        if (marked.blobs.has(digest)) continue;
        const path = this.layout.blobPath(digest);
        const st = await stat(path).catch(() => undefined);
        if (!st || (!only && now - st.mtimeMs < graceMs)) continue;
        await rm(path, { force: true });
        result.blobs.push(digest);
        result.freedBytes += st.size;
      }
      const chains = only ? only.chains : await this.snapshots.list();
      for (const chain of new Set(chains)) {
        if (marked.chains.has(chain)) continue;
        const st = await stat(this.snapshots.path(chain)).catch(() => undefined);
        if (!st || (!only && now - st.mtimeMs < graceMs)) continue;
        const info = await this.snapshots.info(chain);
        if (await this.snapshots.remove(chain)) {
          result.snapshots.push(chain);
          result.freedBytes += info?.size ?? 0;
        }
      }
      if (!only) await this.snapshots.sweepTemp(graceMs);
      return result;
    });
  }

  /**
   * hull image prune / system prune: dangling images no container uses, then every blob and
   * snapshot nothing references.
   */
  async prune(
    opts: { inUse?: (imageId: string) => boolean | Promise<boolean>; graceMs?: number } = {},
  ): Promise<PruneResult & { deleted: string[] }> {
    const deleted: string[] = [];
    for (const img of await this.list()) {
      if (img.names.length || (opts.inUse && (await opts.inUse(img.id)))) continue;
      await this.layout.updateIndex((index) => {
        index.manifests = index.manifests.filter((d) => !(d.digest === img.manifestDigest && refName(d) === undefined));
        return index;
      });
      deleted.push(img.id);
    }
    const swept = await this.sweep(undefined, opts.graceMs);
    return { ...swept, deleted };
  }

  /** What hull system df shows: each image's size and what it shares with others, and the totals. */
  async diskUsage(): Promise<DiskUsage> {
    const images = await this.list();
    const uses = new Map<string, number>();
    for (const img of images) for (const c of new Set(img.chainIDs)) uses.set(c, (uses.get(c) ?? 0) + 1);
    const sizeOf = new Map<string, number>();
    let snapshotsBytes = 0;
    for (const chain of await this.snapshots.list()) {
      const size = (await this.snapshots.info(chain))?.size ?? 0;
      sizeOf.set(chain, size);
      snapshotsBytes += size;
    }
    let blobsBytes = 0;
    for (const digest of await this.allBlobs()) blobsBytes += (await stat(this.layout.blobPath(digest))).size;
    return {
      images: images.map((img) => {
        let shared = 0;
        for (const c of img.chainIDs) if ((uses.get(c) ?? 0) > 1) shared += sizeOf.get(c) ?? 0;
        return { id: img.id, names: img.names, size: img.size, sharedSize: shared, uniqueSize: img.size - shared };
      }),
      blobsBytes,
      snapshotsBytes,
    };
  }

  /** The image's overlay lowerdirs, top layer first; missing snapshots are unpacked from the store's blobs. */
  ensureSnapshots(img: LocalImage, opts: EnsureOptions = {}): Promise<string[]> {
    return ensureSnapshots(this.layout, this.snapshots, img, opts);
  }

  private async allBlobs(): Promise<string[]> {
    const out: string[] = [];
    for (const alg of await readdir(this.layout.blobsDir, { withFileTypes: true })) {
      if (!alg.isDirectory()) continue;
      for (const f of await readdir(join(this.layout.blobsDir, alg.name))) {
        const d = `${alg.name}:${f}`;
        if (isDigest(d)) out.push(d);
      }
    }
    return out;
  }

  /** Blobs and snapshots reachable from index.json (manifests, indexes, configs, layers; chains from configs). */
  private async referenced(): Promise<{ blobs: Set<string>; chains: Set<string> }> {
    const blobs = new Set<string>();
    const chains = new Set<string>();
    const queue: Descriptor[] = [...(await this.layout.readIndex()).manifests];
    while (queue.length) {
      const d = queue.pop()!;
      if (blobs.has(d.digest)) continue;
      blobs.add(d.digest);
      const isIndex = isIndexType(d.mediaType);
      if (!isIndex && !isManifestType(d.mediaType)) continue;
      if (!(await this.layout.hasBlob(d.digest))) continue;
      const doc = parseJSON(
        await this.layout.readBlob(d),
        this.layout.blobPath(d.digest),
        'image-spec/manifest.md',
      ) as {
        manifests?: Descriptor[];
        config?: Descriptor;
        layers?: Descriptor[];
      };
      if (isIndex) {
        queue.push(...(doc.manifests ?? []));
        continue;
      }
      if (doc.config) {
        blobs.add(doc.config.digest);
        for (const l of doc.layers ?? []) blobs.add(l.digest);
        if (await this.layout.hasBlob(doc.config.digest)) {
          const config = parseJSON(
            await this.layout.readBlob(doc.config),
            this.layout.blobPath(doc.config.digest),
            'image-spec/config.md',
          ) as ImageConfig;
          const diffIDs = config?.rootfs?.diff_ids;
          if (Array.isArray(diffIDs)) for (const c of chainIDs(diffIDs)) chains.add(c);
        }
      }
    }
    return { blobs, chains };
  }
}

function addName(img: LocalImage, desc: Descriptor, name: string | undefined): void {
  if (name === undefined) return;
  if (!img.names.includes(name)) img.names.push(name);
  const { repository, digest } = splitName(name);
  const repoDigest = desc.annotations?.[REPO_DIGEST_ANNOTATION] ?? digest ?? desc.digest;
  const rd = `${repository}@${repoDigest}`;
  if (!img.repoDigests.includes(rd)) img.repoDigests.push(rd);
}

export function shortId(id: string): string {
  return id.slice(id.indexOf(':') + 1, id.indexOf(':') + 13);
}

/** Opens the image store under ROOT (the lead's entry point). */
export function openImageStore(root: string): Promise<ImageStore> {
  return ImageStore.open(root);
}

/** The local image `name` (or id) names, or IMAGE_UNKNOWN. */
export function resolveLocalImage(store: ImageStore, name: string): Promise<LocalImage> {
  return store.resolve(name);
}
