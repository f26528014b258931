/** docker:// as an ImageSource: manifests by tag or digest (verified when by digest), blobs resumable. */
import type { Readable } from 'node:stream';
import { HullError } from '../../errors.js';
import { digestOf, parseDigest } from '../../oci/digest.js';
import { MediaType } from '../../oci/media-types.js';
import type { Descriptor } from '../../oci/types.js';
import { paths } from '../../registry/api/routes.js';
import { type ImageSource, type ManifestBlob, type RemoteOptions, sniffManifestType } from '../image-source.js';
import type { DockerReference } from '../reference.js';
import { openRegistryBlob } from './blob-reader.js';
import type { RegistryClient } from './client.js';
import { connectRegistry } from './connect.js';

export const MANIFEST_ACCEPT = [
  MediaType.imageManifest,
  MediaType.imageIndex,
  MediaType.dockerManifest,
  MediaType.dockerManifestList,
].join(', ');

/** Manifests are small; anything bigger is refused rather than buffered (distribution's limit is 4 MiB). */
const MAX_MANIFEST = 4 * 1024 * 1024;

export async function fetchManifest(client: RegistryClient, reference: string): Promise<ManifestBlob> {
  const res = await client.request('GET', paths.manifest(client.repository, reference), {
    headers: { accept: MANIFEST_ACCEPT },
  });
  if (!res.ok) throw await client.error(res);
  const bytes = Buffer.from(await res.arrayBuffer());
  if (bytes.length > MAX_MANIFEST)
    throw new HullError('MANIFEST_TOO_LARGE', `${client.label}: manifest is larger than ${MAX_MANIFEST} bytes`);
  const isDigestRef = reference.includes(':');
  const algorithm = isDigestRef ? parseDigest(reference).algorithm : 'sha256';
  const digest = digestOf(bytes, algorithm);
  // spec.md#pulling-manifests: a manifest fetched by digest must hash to it.
  if (isDigestRef && digest !== reference)
    throw new HullError('DIGEST_MISMATCH', `${client.label}: manifest content ${digest} does not match ${reference}`, {
      section: 'distribution-spec/spec.md#pulling-manifests',
    });
  const contentType = res.headers.get('content-type')?.split(';')[0]?.trim();
  const mediaType = sniffManifestType(
    bytes,
    contentType && contentType !== 'application/json' && contentType !== 'text/plain' ? contentType : undefined,
  );
  return { bytes, mediaType, digest };
}

export async function openDockerSource(
  ref: DockerReference,
  label: string,
  remote: RemoteOptions,
): Promise<ImageSource & { client: RegistryClient }> {
  const client = await connectRegistry(ref, label, remote, ['pull']);
  return {
    label,
    client,
    location: { registry: ref.registry, repository: ref.repository },
    getManifest: (digest?: string) => fetchManifest(client, digest ?? ref.digest ?? ref.tag ?? 'latest'),
    async getBlob(desc: Descriptor): Promise<Readable> {
      return openRegistryBlob(client, desc);
    },
    close: async () => {},
  };
}
