/**
 * The writing half of a copy (ARCHITECTURE.md idea 1). Nothing a destination does is visible
 * under the reference's name until the top-level manifest is put and commit() runs: a failed
 * copy leaves no tag (and no archive) behind.
 */
import type { Readable } from 'node:stream';
import type { BlobRef } from '../image/layout/put-blob.js';
import type { Compression } from '../oci/media-types.js';
import type { Descriptor } from '../oci/types.js';
import type { RegistryLocation, RemoteOptions } from './image-source.js';
import type { ImageReference } from './reference.js';

export interface DestinationCaps {
  /** Manifest media types the destination stores: OCI only, Docker schema2 only, or either. */
  manifestFormat: 'oci' | 'docker' | 'any';
  /** Layer compression the format requires (docker-archive holds plain tars). */
  forcedCompression?: Compression;
  /** Compress (gzip) layers that arrive uncompressed, as skopeo does for registries and layouts. */
  compressUncompressed: boolean;
  /** Whether an image index can be stored (else one platform is picked even with --all). */
  supportsIndex: boolean;
}

export interface ImageDestination {
  readonly label: string;
  readonly caps: DestinationCaps;
  hasBlob(desc: BlobRef): Promise<boolean>;
  /** Stores the stream; with `expected` it must match, without it the returned digest is the content's. */
  putBlob(source: Readable, expected: BlobRef | undefined, mediaType: string): Promise<BlobRef>;
  /** Makes the blob available from another repository of the same registry without sending it. */
  mountBlob?(desc: Descriptor, from: RegistryLocation): Promise<boolean>;
  /** Stores a manifest; `top` marks the one the reference names (tagged), others go by digest. */
  putManifest(bytes: Buffer, mediaType: string, top: boolean): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

export async function openDestination(
  ref: ImageReference,
  label: string,
  remote: RemoteOptions = {},
  mountFrom?: RegistryLocation,
): Promise<ImageDestination> {
  switch (ref.transport) {
    case 'oci':
    case 'oci-archive': {
      const { openOciDestination } = await import('./oci-destination.js');
      return openOciDestination(ref, label);
    }
    case 'docker': {
      const { openDockerDestination } = await import('./docker/destination.js');
      return openDockerDestination(ref, label, remote, mountFrom);
    }
    case 'docker-archive': {
      const { openDockerArchiveDestination } = await import('./docker-archive-destination.js');
      return openDockerArchiveDestination(ref, label);
    }
  }
}
