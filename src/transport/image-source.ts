/**
 * The reading half of a copy (ARCHITECTURE.md idea 1): one interface over docker://, oci:,
 * oci-archive: and docker-archive:, so copy() works on any pair of transports.
 */
import type { Readable } from 'node:stream';
import { MediaType } from '../oci/media-types.js';
import type { Descriptor } from '../oci/types.js';
import type { Credentials } from './auth-file.js';
import type { ImageReference } from './reference.js';

export interface ManifestBlob {
  bytes: Buffer;
  mediaType: string;
  digest: string;
}

/** Where a registry image lives, for cross-repository mounts. */
export interface RegistryLocation {
  registry: string;
  repository: string;
}

export interface ImageSource {
  /** The reference as the user wrote it, for messages. */
  readonly label: string;
  readonly location?: RegistryLocation;
  /** The manifest or index the reference names, or (with a digest) one it points to. */
  getManifest(digest?: string): Promise<ManifestBlob>;
  /** The blob's bytes; the stream fails before it ends unless they match `desc`. */
  getBlob(desc: Descriptor): Promise<Readable>;
  close(): Promise<void>;
}

/** Options of a registry end of a copy (or of inspect and list-tags). */
export interface RemoteOptions {
  tlsVerify?: boolean;
  creds?: Credentials;
  authfile?: string;
}

/** The media type a manifest document declares, or the one its shape implies. */
export function sniffManifestType(bytes: Buffer, fallback?: string): string {
  try {
    const doc = JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown; manifests?: unknown; config?: unknown };
    if (typeof doc.mediaType === 'string' && doc.mediaType) return doc.mediaType;
    if (fallback) return fallback;
    if (Array.isArray(doc.manifests)) return MediaType.imageIndex;
    if (doc.config) return MediaType.imageManifest;
  } catch {
    // not JSON: the caller's parse reports it
  }
  return fallback ?? 'application/octet-stream';
}

export async function openSource(ref: ImageReference, label: string, remote: RemoteOptions = {}): Promise<ImageSource> {
  switch (ref.transport) {
    case 'oci':
    case 'oci-archive': {
      const { openOciSource } = await import('./oci-source.js');
      return openOciSource(ref, label);
    }
    case 'docker': {
      const { openDockerSource } = await import('./docker/source.js');
      return openDockerSource(ref, label, remote);
    }
    case 'docker-archive': {
      const { openDockerArchiveSource } = await import('./docker-archive-source.js');
      return openDockerArchiveSource(ref, label);
    }
  }
}
