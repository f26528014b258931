/**
 * `hull import`: a single-layer image from a directory, like `podman import` — one layer, an
 * image config built from the given options, a manifest, and a tag in the layout's index.json.
 */

import { type Compression, layerMediaType, MediaType } from '../oci/media-types.js';
import type { Descriptor, ImageConfig, ImageExecConfig, ImageManifest, Platform } from '../oci/types.js';
import { packDirectory } from './layer/create.js';
import type { ImageLayout } from './layout/layout.js';
import { hostPlatform } from './platform.js';

export interface ImportOptions {
  tag: string;
  compression?: Compression;
  /** Seconds since the epoch: fixes `created` and clamps file times, for reproducible images. */
  sourceDateEpoch?: number;
  platform?: Platform;
  config?: ImageExecConfig;
}

export interface ImportResult {
  manifest: Descriptor;
  config: Descriptor;
  layer: Descriptor;
  diffID: string;
}

export async function importRootfs(layout: ImageLayout, rootfsDir: string, opts: ImportOptions): Promise<ImportResult> {
  const compression = opts.compression ?? 'gzip';
  const platform = opts.platform ?? hostPlatform();
  const created = rfc3339(new Date(opts.sourceDateEpoch !== undefined ? opts.sourceDateEpoch * 1000 : Date.now()));

  const packed = packDirectory(rootfsDir, { compression, sourceDateEpoch: opts.sourceDateEpoch });
  const [stored, diffID] = await Promise.all([layout.putBlob(packed.stream), packed.diffID]);
  const layer: Descriptor = { mediaType: layerMediaType(compression), digest: stored.digest, size: stored.size };

  const imageConfig: ImageConfig = {
    created,
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    config: opts.config ?? {},
    rootfs: { type: 'layers', diff_ids: [diffID] },
    // Like podman import's `ADD file:<digest> in /`: names the content, not a local path, so the
    // same tree gives the same config wherever it is imported from.
    history: [{ created, created_by: `hull import: ADD file:${diffID.slice(diffID.indexOf(':') + 1)} in /` }],
  };
  const config = await layout.putJSON(imageConfig, MediaType.imageConfig);
  const manifestDoc: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.imageManifest,
    config,
    layers: [layer],
  };
  const manifest = await layout.putJSON(manifestDoc, MediaType.imageManifest);
  await layout.tag(opts.tag, manifest);
  return { manifest, config, layer, diffID };
}

/**
 * A time as Go's RFC3339Nano writes it (fraction without trailing zeros: .62Z, not .620Z, and
 * none for whole seconds). Go tools (skopeo, podman) re-encode a config they convert; writing
 * what they would write keeps its bytes, and so its digest, the same through them.
 */
export function rfc3339(t: Date): string {
  return t.toISOString().replace(/\.(\d*?)0*Z$/, (_m, frac: string) => (frac ? `.${frac}Z` : 'Z'));
}
