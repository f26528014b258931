/** Media types of image-spec/media-types.md, plus Docker's schema2 types that real registries serve. */
export const MediaType = {
  descriptor: 'application/vnd.oci.descriptor.v1+json',
  layoutHeader: 'application/vnd.oci.layout.header.v1+json',
  imageIndex: 'application/vnd.oci.image.index.v1+json',
  imageManifest: 'application/vnd.oci.image.manifest.v1+json',
  imageConfig: 'application/vnd.oci.image.config.v1+json',
  emptyJSON: 'application/vnd.oci.empty.v1+json',
  layerTar: 'application/vnd.oci.image.layer.v1.tar',
  layerTarGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  layerTarZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  // Deprecated by image-spec/layer.md but still readable.
  layerNondistributableTar: 'application/vnd.oci.image.layer.nondistributable.v1.tar',
  layerNondistributableTarGzip: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  layerNondistributableTarZstd: 'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerForeignLayerGzip: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
} as const;

export type Compression = 'none' | 'gzip' | 'zstd';

/** The compression a layer media type implies, or undefined when it is not a layer type we apply. */
export function layerCompression(mediaType: string): Compression | undefined {
  switch (mediaType) {
    case MediaType.layerTar:
    case MediaType.layerNondistributableTar:
      return 'none';
    case MediaType.layerTarGzip:
    case MediaType.layerNondistributableTarGzip:
    case MediaType.dockerLayerGzip:
    case MediaType.dockerForeignLayerGzip:
      return 'gzip';
    case MediaType.layerTarZstd:
    case MediaType.layerNondistributableTarZstd:
      return 'zstd';
    default:
      return undefined;
  }
}

export function layerMediaType(compression: Compression): string {
  switch (compression) {
    case 'none':
      return MediaType.layerTar;
    case 'gzip':
      return MediaType.layerTarGzip;
    case 'zstd':
      return MediaType.layerTarZstd;
  }
}

export function isManifestType(mediaType: string | undefined): boolean {
  return mediaType === MediaType.imageManifest || mediaType === MediaType.dockerManifest;
}

export function isIndexType(mediaType: string | undefined): boolean {
  return mediaType === MediaType.imageIndex || mediaType === MediaType.dockerManifestList;
}
