/**
 * What the repository page shows about one manifest, read through the RegistryStore: kind,
 * size, creation time and platform from the image config, children of an index, referrers.
 * Anything unreadable is left blank rather than failing the page — it is a viewer, not a validator.
 */
import { MediaType } from '../../oci/media-types.js';
import type { Descriptor } from '../../oci/types.js';
import type { RegistryStore, StoredManifest } from '../store/types.js';

/** Configs bigger than this are not read for the page (real ones are a few KiB). */
const MAX_CONFIG_BYTES = 1024 * 1024;
/** Children of an index shown per tag; the rest are counted. */
export const MAX_CHILDREN = 32;

export interface ManifestSummary {
  digest: string;
  mediaType: string;
  /** Size of the manifest itself. */
  size: number;
  kind: 'image' | 'index' | 'artifact' | 'unknown';
  artifactType?: string;
  /** Sum of the layer sizes (image manifests). */
  layersSize?: number;
  layerCount?: number;
  created?: string;
  platform?: string;
  children?: Array<{ digest: string; mediaType: string; size: number; platform?: string }>;
  childrenTotal?: number;
  referrers: Descriptor[];
}

const IMAGE_CONFIGS = new Set<string>([MediaType.imageConfig, MediaType.dockerConfig]);
const INDEX_TYPES = new Set<string>([MediaType.imageIndex, MediaType.dockerManifestList]);

export function platformString(p: unknown): string | undefined {
  if (typeof p !== 'object' || p === null) return undefined;
  const { os, architecture, variant } = p as Record<string, unknown>;
  if (typeof os !== 'string' || typeof architecture !== 'string') return undefined;
  return [os, architecture, typeof variant === 'string' ? variant : undefined].filter(Boolean).join('/');
}

async function readConfig(
  store: RegistryStore,
  repo: string,
  digest: string,
): Promise<Record<string, unknown> | undefined> {
  try {
    const info = await store.statBlob(repo, digest);
    if (!info || info.size > MAX_CONFIG_BYTES) return undefined;
    const chunks: Buffer[] = [];
    for await (const chunk of await store.readBlob(repo, digest)) chunks.push(chunk as Buffer);
    const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return typeof parsed === 'object' && parsed !== null ? parsed : undefined;
  } catch {
    return undefined;
  }
}

async function referrersOf(store: RegistryStore, repo: string, digest: string): Promise<Descriptor[]> {
  try {
    return await store.referrers(repo, digest);
  } catch {
    return [];
  }
}

export async function describeManifest(
  store: RegistryStore,
  repo: string,
  manifest: StoredManifest,
): Promise<ManifestSummary> {
  const summary: ManifestSummary = {
    digest: manifest.digest,
    mediaType: manifest.mediaType,
    size: manifest.bytes.length,
    kind: 'unknown',
    referrers: await referrersOf(store, repo, manifest.digest),
  };
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(manifest.bytes.toString('utf8'));
  } catch {
    return summary;
  }
  if (typeof doc.artifactType === 'string') summary.artifactType = doc.artifactType;

  if (Array.isArray(doc.manifests) || INDEX_TYPES.has(manifest.mediaType)) {
    summary.kind = 'index';
    const children = (Array.isArray(doc.manifests) ? doc.manifests : []) as Array<Partial<Descriptor>>;
    summary.childrenTotal = children.length;
    summary.children = children.slice(0, MAX_CHILDREN).map((c) => ({
      digest: String(c.digest ?? ''),
      mediaType: String(c.mediaType ?? ''),
      size: typeof c.size === 'number' ? c.size : 0,
      platform: platformString(c.platform),
    }));
    return summary;
  }

  const config = doc.config as Partial<Descriptor> | undefined;
  if (typeof config !== 'object' || config === null) return summary;
  const layers = (Array.isArray(doc.layers) ? doc.layers : []) as Array<Partial<Descriptor>>;
  summary.layerCount = layers.length;
  summary.layersSize = layers.reduce((n, l) => n + (typeof l.size === 'number' ? l.size : 0), 0);
  if (typeof config.mediaType === 'string' && IMAGE_CONFIGS.has(config.mediaType) && !summary.artifactType) {
    summary.kind = 'image';
    const cfg = typeof config.digest === 'string' ? await readConfig(store, repo, config.digest) : undefined;
    if (cfg) {
      if (typeof cfg.created === 'string') summary.created = cfg.created;
      summary.platform = platformString(cfg);
    }
  } else {
    summary.kind = 'artifact';
    summary.artifactType ??= typeof config.mediaType === 'string' ? config.mediaType : undefined;
  }
  return summary;
}
