/**
 * `hull unpack`: an image into a runtime bundle (image-spec/conversion.md): the layers applied
 * in order onto BUNDLE/rootfs, and BUNDLE/config.json converted from the image config. Every
 * layer blob is verified against its digest and its uncompressed bytes against the config's
 * diff_id; any failure removes what the unpack created, so no half-made bundle is left.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { HullError, isErrno } from '../errors.js';
import type { Descriptor, Platform } from '../oci/types.js';
import { convertImageConfig, writeBundleConfig } from './bundle/convert.js';
import { applyLayers } from './layer/apply.js';
import { decodeLayer, warmDecoder } from './layer/decode.js';
import { openLayerBlob } from './layer/layer-blob.js';
import type { ImageLayout } from './layout/layout.js';
import { resolveImage } from './resolve.js';

export interface UnpackOptions {
  tag?: string;
  platform?: Platform;
  /** Bound on each layer's uncompressed size (decompression bombs). */
  maxLayerBytes?: number;
  /** Called as each layer is finished, for progress display. */
  onLayer?: (index: number, total: number, layer: Descriptor) => void;
}

export interface UnpackResult {
  manifestDigest: string;
  layers: number;
  bundle: string;
}

/**
 * The layer's blob, verified, decompressed, and verified again against its diff_id — all off
 * the main thread (layer/decode.ts), so the main thread only parses the tar and writes files.
 */
function openLayer(layout: ImageLayout, layer: Descriptor, diffID: string | undefined): Readable {
  const { fd, compression } = openLayerBlob(layout, layer);
  return decodeLayer({
    fd,
    compression,
    blob: { digest: layer.digest, size: layer.size, label: layout.blobPath(layer.digest) },
    diff: diffID ? { digest: diffID, label: `layer ${layer.digest} (diff_id)` } : undefined,
    lend: true, // applyLayers hands every chunk back
  });
}

export async function unpackImage(
  layout: ImageLayout,
  bundleDir: string,
  opts: UnpackOptions = {},
): Promise<UnpackResult> {
  warmDecoder(); // its thread starts while the image is resolved
  const image = await resolveImage(layout, { tag: opts.tag, platform: opts.platform });
  const { manifest, config } = image;
  const diffIDs = config.rootfs.diff_ids;
  if (diffIDs.length !== manifest.layers.length)
    throw new HullError(
      'CONFIG_INVALID',
      `image config has ${diffIDs.length} diff_ids but the manifest has ${manifest.layers.length} layers`,
      {
        file: config.rootfs ? image.configDescriptor.digest : undefined,
        jsonPath: '$.rootfs.diff_ids',
        section: 'image-spec/config.md#properties',
      },
    );

  const created = prepareBundleDir(bundleDir);
  try {
    const rootfs = join(bundleDir, 'rootfs');
    mkdirSync(rootfs, { mode: 0o755 });
    await applyLayers(
      rootfs,
      manifest.layers.map((layer, i) => ({
        label: layer.digest,
        open: () => openLayer(layout, layer, diffIDs[i]),
      })),
      {
        maxBytes: opts.maxLayerBytes,
        freshRoot: true, // made just above
        onLayerDone: (i) => opts.onLayer?.(i + 1, manifest.layers.length, manifest.layers[i]!),
      },
    );
    const spec = convertImageConfig(config, rootfs);
    await writeBundleConfig(bundleDir, spec);
    return { manifestDigest: image.manifestDescriptor.digest, layers: manifest.layers.length, bundle: bundleDir };
  } catch (err) {
    if (created) rmSync(bundleDir, { recursive: true, force: true });
    else for (const name of readdirSync(bundleDir)) rmSync(join(bundleDir, name), { recursive: true, force: true });
    throw err;
  }
}

/** The bundle directory must not exist or be empty (umoci refuses to unpack over a bundle too). Returns whether it was created. */
function prepareBundleDir(dir: string): boolean {
  try {
    mkdirSync(dir, { mode: 0o700 });
    return true;
  } catch (err) {
    if (!isErrno(err, 'EEXIST')) throw err;
  }
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (err) {
    throw new HullError('BUNDLE_INVALID', `bundle path ${dir} exists and is not a directory`, {
      file: dir,
      cause: err,
    });
  }
  if (entries.length)
    throw new HullError(
      'BUNDLE_EXISTS',
      `bundle directory ${dir} is not empty; unpack needs a new or empty directory`,
      { file: dir },
    );
  return false;
}
