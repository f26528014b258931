/**
 * Media types between the OCI image-spec and Docker schema2 (which share the document shape):
 * how a copy rewrites a manifest for a destination that stores only one of them, and which
 * compression a layer media type implies, including Docker's uncompressed layer type.
 */
import { HullError } from '../errors.js';
import { type Compression, isIndexType, layerCompression, MediaType } from '../oci/media-types.js';

export const DOCKER_LAYER_TAR = 'application/vnd.docker.image.rootfs.diff.tar';
export const DOCKER_FOREIGN_TAR = 'application/vnd.docker.image.rootfs.foreign.diff.tar';

export type ManifestFormat = 'oci' | 'docker';

/** The compression of a layer media type; undefined for blobs that are not layers we can recompress. */
export function compressionOf(mediaType: string): Compression | undefined {
  if (mediaType === DOCKER_LAYER_TAR) return 'none';
  if (mediaType === DOCKER_FOREIGN_TAR || mediaType === MediaType.dockerForeignLayerGzip) return undefined;
  if (mediaType.includes('nondistributable')) return undefined; // never re-hosted, never rewritten
  return layerCompression(mediaType);
}

export function formatOf(mediaType: string): ManifestFormat {
  return mediaType === MediaType.dockerManifest || mediaType === MediaType.dockerManifestList ? 'docker' : 'oci';
}

export function layerType(compression: Compression, format: ManifestFormat): string {
  if (format === 'docker') {
    if (compression === 'zstd')
      throw new HullError(
        'FORMAT_UNSUPPORTED',
        'Docker schema2 manifests cannot describe zstd layers; copy to an OCI destination or use gzip',
      );
    return compression === 'gzip' ? MediaType.dockerLayerGzip : DOCKER_LAYER_TAR;
  }
  return compression === 'gzip'
    ? MediaType.layerTarGzip
    : compression === 'zstd'
      ? MediaType.layerTarZstd
      : MediaType.layerTar;
}

/** A non-layer or layer media type in the other format (unknown types pass through). */
export function convertType(mediaType: string, to: ManifestFormat): string {
  const compression = compressionOf(mediaType);
  if (compression !== undefined) return layerType(compression, to);
  const pairs: Array<[string, string]> = [
    [MediaType.imageManifest, MediaType.dockerManifest],
    [MediaType.imageIndex, MediaType.dockerManifestList],
    [MediaType.imageConfig, MediaType.dockerConfig],
    [MediaType.layerNondistributableTarGzip, MediaType.dockerForeignLayerGzip],
    [MediaType.layerNondistributableTar, DOCKER_FOREIGN_TAR],
  ];
  for (const [oci, docker] of pairs) {
    if (to === 'docker' && mediaType === oci) return docker;
    if (to === 'oci' && mediaType === docker) return oci;
  }
  return mediaType;
}

export function manifestTypeFor(isIndex: boolean, format: ManifestFormat): string {
  if (format === 'docker') return isIndex ? MediaType.dockerManifestList : MediaType.dockerManifest;
  return isIndex ? MediaType.imageIndex : MediaType.imageManifest;
}

export { isIndexType };
