/**
 * A layer's blob as the decoder takes it (decode.ts): its compression from the media type, and
 * an open descriptor of the blob in the layout. Unpack and the engine's snapshots both start here.
 */
import { HullError } from '../../errors.js';
import { type Compression, layerCompression } from '../../oci/media-types.js';
import type { Descriptor } from '../../oci/types.js';
import type { ImageLayout } from '../layout/layout.js';

/** The layer's compression, or LAYER_UNSUPPORTED naming its media type. */
export function requireLayerCompression(layer: Descriptor): Compression {
  const compression = layerCompression(layer.mediaType);
  if (compression) return compression;
  throw new HullError('LAYER_UNSUPPORTED', `layer ${layer.digest} has unsupported media type '${layer.mediaType}'`, {
    file: layer.digest,
    section: 'image-spec/manifest.md#image-manifest-property-descriptions',
  });
}

/** The blob's descriptor (the caller closes it, or hands it to decodeLayer) and its compression. */
export function openLayerBlob(layout: ImageLayout, layer: Descriptor): { fd: number; compression: Compression } {
  const compression = requireLayerCompression(layer);
  return { fd: layout.openBlobFd(layer.digest), compression };
}
