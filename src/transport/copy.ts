/**
 * copy(src, dst): one algorithm over any pair of transports (ARCHITECTURE.md idea 1), like
 * skopeo copy. An index is copied whole with `all`, else the platform asked for (default: the
 * host) is picked and copied alone. Blobs move concurrently (a bound of `concurrency`), each
 * verified on read and on write; blobs the destination has are skipped and, within one registry,
 * mounted. Layers are recompressed when asked (or when the destination's format requires it),
 * which gives them new digests and the manifest new bytes; configs (and so diff_ids) are copied
 * as they are. Manifests are rewritten only when something in them changes, so an unchanged
 * copy keeps its digest.
 */
import { pipeline, type Readable, Transform } from 'node:stream';
import { HullError } from '../errors.js';
import { compressStream, decompressStream } from '../image/compression.js';
import { formatPlatform, hostPlatform } from '../image/platform.js';
import { type PlatformSelector, platformMatches } from '../image/resolve.js';
import { digestOf } from '../oci/digest.js';
import { type Compression, isIndexType, isManifestType } from '../oci/media-types.js';
import type { Descriptor, ImageIndex, ImageManifest } from '../oci/types.js';
import { parseIndex, parseManifest } from '../oci/validate/parse.js';
import { type ImageDestination, openDestination } from './image-destination.js';
import { type ImageSource, type ManifestBlob, openSource, type RemoteOptions } from './image-source.js';
import {
  compressionOf,
  convertType,
  formatOf,
  layerType,
  type ManifestFormat,
  manifestTypeFor,
} from './manifest-convert.js';
import { parseReference } from './reference.js';

export interface BlobProgress {
  advance(bytes: number): void;
  /** `how`: sent, skipped (already there) or mounted. */
  done(how: 'sent' | 'skipped' | 'mounted'): void;
}

export interface CopyProgress {
  blob(desc: Descriptor): BlobProgress;
}

export interface CopyOptions {
  /** Copy every image of an index (else one platform). */
  all?: boolean;
  platform?: PlatformSelector;
  destCompress?: Compression;
  concurrency?: number;
  src?: RemoteOptions;
  dst?: RemoteOptions;
  progress?: CopyProgress;
}

export interface CopyResult {
  /** Digest and media type of the manifest (or index) written under the destination's name. */
  digest: string;
  mediaType: string;
  size: number;
}

export const DEFAULT_CONCURRENCY = 4;
const MAX_DEPTH = 8;

export async function copyImage(srcText: string, dstText: string, opts: CopyOptions = {}): Promise<CopyResult> {
  const srcRef = parseReference(srcText);
  const dstRef = parseReference(dstText);
  const src = await openSource(srcRef, srcText, opts.src);
  try {
    const dst = await openDestination(dstRef, dstText, opts.dst, src.location);
    try {
      const top = await src.getManifest();
      const result = await new Copier(src, dst, opts).copyManifest(top, true, 0);
      await dst.commit();
      return result;
    } catch (err) {
      await dst.abort().catch(() => undefined);
      throw err;
    }
  } finally {
    await src.close();
  }
}

/** Runs `fn` over `items` with at most `limit` at a time, failing fast on the first error. */
async function pool<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i]!, i);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

function counting(p: BlobProgress): Transform {
  return new Transform({
    transform(chunk: Buffer, _e, cb) {
      p.advance(chunk.length);
      cb(null, chunk);
    },
  });
}

const NO_PROGRESS: BlobProgress = { advance() {}, done() {} };

class Copier {
  private readonly concurrency: number;
  /** Blobs already handled in this copy (shared layers of an index's images), by source digest. */
  private readonly blobs = new Map<string, Promise<Descriptor>>();

  constructor(
    private readonly src: ImageSource,
    private readonly dst: ImageDestination,
    private readonly opts: CopyOptions,
  ) {
    this.concurrency = opts.concurrency ?? DEFAULT_CONCURRENCY;
  }

  private targetFormat(mediaType: string): ManifestFormat {
    const f = this.dst.caps.manifestFormat;
    return f === 'any' ? formatOf(mediaType) : f;
  }

  async copyManifest(m: ManifestBlob, top: boolean, depth: number): Promise<CopyResult> {
    if (depth > MAX_DEPTH)
      throw new HullError('INDEX_TOO_DEEP', `${this.src.label}: image indexes nest more than ${MAX_DEPTH} deep`);
    if (isIndexType(m.mediaType)) {
      const index = parseIndex(m.bytes, `${this.src.label}@${m.digest}`);
      if (!this.opts.all || !this.dst.caps.supportsIndex) {
        const child = this.choosePlatform(index, m.digest);
        return this.copyManifest(await this.src.getManifest(child.digest), top, depth + 1);
      }
      return this.copyIndex(m, index, top, depth);
    }
    if (!isManifestType(m.mediaType))
      throw new HullError(
        'MEDIA_TYPE_UNSUPPORTED',
        `${this.src.label}: ${m.digest} has media type '${m.mediaType}', not an image manifest or index`,
      );
    return this.copyImageManifest(m, top);
  }

  private choosePlatform(index: ImageIndex, digest: string): Descriptor {
    const want = this.opts.platform ?? hostPlatform();
    const matching = index.manifests.filter((d) => d.platform && platformMatches(d.platform, want));
    const best = want.variant ? matching[0] : (matching.find((d) => !d.platform?.variant) ?? matching[0]);
    if (best) return best;
    const available = index.manifests.filter((d) => d.platform).map((d) => formatPlatform(d.platform!));
    throw new HullError(
      'PLATFORM_UNKNOWN',
      `${this.src.label}: no image for platform ${formatPlatform(want)} in index ${digest}; available: ${available.join(', ') || 'none'}`,
      { section: 'image-spec/image-index.md#image-index-property-descriptions' },
    );
  }

  private async copyIndex(m: ManifestBlob, index: ImageIndex, top: boolean, depth: number): Promise<CopyResult> {
    const format = this.targetFormat(m.mediaType);
    let changed = formatOf(m.mediaType) !== format && this.dst.caps.manifestFormat !== 'any';
    const manifests: Descriptor[] = [];
    for (const d of index.manifests) {
      if (isIndexType(d.mediaType) || isManifestType(d.mediaType)) {
        const child = await this.copyManifest(await this.src.getManifest(d.digest), false, depth + 1);
        if (child.digest !== d.digest || child.mediaType !== d.mediaType) changed = true;
        manifests.push({ ...d, mediaType: child.mediaType, digest: child.digest, size: child.size });
      } else {
        // Artifacts and other blobs an index may list travel as they are.
        manifests.push(await this.copyBlob(d));
      }
    }
    if (!changed) {
      await this.dst.putManifest(m.bytes, m.mediaType, top);
      return { digest: m.digest, mediaType: m.mediaType, size: m.bytes.length };
    }
    const mediaType = manifestTypeFor(true, format);
    const doc = { ...index, mediaType, manifests };
    return this.putDoc(doc, mediaType, top);
  }

  private async putDoc(doc: unknown, mediaType: string, top: boolean): Promise<CopyResult> {
    const bytes = Buffer.from(JSON.stringify(doc), 'utf8');
    await this.dst.putManifest(bytes, mediaType, top);
    return { digest: digestOf(bytes), mediaType, size: bytes.length };
  }

  private async copyImageManifest(m: ManifestBlob, top: boolean): Promise<CopyResult> {
    const manifest: ImageManifest = parseManifest(m.bytes, `${this.src.label}@${m.digest}`);
    const format = this.targetFormat(m.mediaType);
    const converting = formatOf(m.mediaType) !== format;
    const [config, ...layers] = await pool([manifest.config, ...manifest.layers], this.concurrency, (d, i) =>
      i === 0 ? this.copyBlob(d) : this.copyLayer(d, format),
    );
    const changed = converting || layers.some((l, i) => l!.digest !== manifest.layers[i]!.digest);
    if (!changed) {
      await this.dst.putManifest(m.bytes, m.mediaType, top);
      return { digest: m.digest, mediaType: m.mediaType, size: m.bytes.length };
    }
    const mediaType = manifestTypeFor(false, format);
    const doc: ImageManifest = {
      ...manifest,
      mediaType,
      config: { ...config!, mediaType: convertType(manifest.config.mediaType, format) },
      layers: layers.map((l) => ({ ...l!, mediaType: converting ? convertType(l!.mediaType, format) : l!.mediaType })),
    };
    return this.putDoc(doc, mediaType, top);
  }

  /** A layer, recompressed when the options or the destination ask for another compression. */
  private copyLayer(desc: Descriptor, format: ManifestFormat): Promise<Descriptor> {
    const from = compressionOf(desc.mediaType);
    if (from === undefined) return this.copyBlob(desc);
    const caps = this.dst.caps;
    const to =
      caps.forcedCompression ??
      this.opts.destCompress ??
      (from === 'none' && caps.compressUncompressed ? 'gzip' : from);
    if (to === from) return this.copyBlob(desc);
    const key = `${desc.digest}>${to}`;
    let p = this.blobs.get(key);
    if (!p) {
      p = this.recompress(desc, from, to, format);
      this.blobs.set(key, p);
    }
    return p;
  }

  private async recompress(desc: Descriptor, from: Compression, to: Compression, format: ManifestFormat) {
    const progress = this.opts.progress?.blob(desc) ?? NO_PROGRESS;
    const source = await this.src.getBlob(desc);
    const mediaType = layerType(to, format);
    const stream = pipeline(
      source,
      counting(progress),
      decompressStream(from),
      compressStream(to),
      () => {},
    ) as unknown as Readable;
    const written = await this.dst.putBlob(stream, undefined, mediaType);
    progress.done('sent');
    const { urls: _urls, ...rest } = desc;
    return { ...rest, mediaType, digest: written.digest, size: written.size };
  }

  /** A blob as it is: skipped when present, mounted within a registry, else streamed and verified. */
  private copyBlob(desc: Descriptor): Promise<Descriptor> {
    let p = this.blobs.get(desc.digest);
    if (!p) {
      p = this.transfer(desc).then(() => desc);
      this.blobs.set(desc.digest, p);
    }
    return p;
  }

  private async transfer(desc: Descriptor): Promise<void> {
    const progress = this.opts.progress?.blob(desc) ?? NO_PROGRESS;
    if (await this.dst.hasBlob(desc)) {
      progress.done('skipped');
      return;
    }
    if (this.src.location && this.dst.mountBlob && (await this.dst.mountBlob(desc, this.src.location))) {
      progress.done('mounted');
      return;
    }
    const source = await this.src.getBlob(desc);
    const stream = pipeline(source, counting(progress), () => {}) as unknown as Readable;
    await this.dst.putBlob(stream, { digest: desc.digest, size: desc.size }, desc.mediaType);
    progress.done('sent');
  }
}
