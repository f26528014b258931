/**
 * docker:// as an ImageDestination: HEAD before upload (blobs the registry has are skipped),
 * cross-repository mounts within one registry, uploads per upload.ts, manifests by digest for
 * an index's children and by the reference's tag (or digest) for the top one.
 */
import type { Readable } from 'node:stream';
import { HullError } from '../../errors.js';
import type { BlobRef } from '../../image/layout/put-blob.js';
import { digestOf } from '../../oci/digest.js';
import type { Descriptor } from '../../oci/types.js';
import { paths } from '../../registry/api/routes.js';
import type { ImageDestination } from '../image-destination.js';
import type { RegistryLocation, RemoteOptions } from '../image-source.js';
import type { DockerReference } from '../reference.js';
import { connectRegistry } from './connect.js';
import { mountBlob, uploadBlob } from './upload.js';

export async function openDockerDestination(
  ref: DockerReference,
  label: string,
  remote: RemoteOptions,
  mountFrom?: RegistryLocation,
): Promise<ImageDestination> {
  const canMount = mountFrom && mountFrom.registry === ref.registry && mountFrom.repository !== ref.repository;
  const client = await connectRegistry(
    ref,
    label,
    remote,
    ['pull', 'push'],
    canMount ? [`repository:${mountFrom.repository}:pull`] : undefined,
  );
  /** Upload sessions a refused mount opened, used by the next putBlob of that digest. */
  const opened = new Map<string, string>();
  return {
    label,
    caps: { manifestFormat: 'any', compressUncompressed: true, supportsIndex: true },
    async hasBlob(desc: BlobRef) {
      const res = await client.request('HEAD', paths.blob(ref.repository, desc.digest));
      await res.body?.cancel().catch(() => undefined);
      if (res.status === 200) {
        const len = Number(res.headers.get('content-length'));
        return !(desc.size >= 0 && Number.isFinite(len) && len !== desc.size);
      }
      if (res.status === 404) return false;
      throw await client.error(res, `checking blob ${desc.digest}`);
    },
    putBlob(source: Readable, expected: BlobRef | undefined) {
      const url = expected ? opened.get(expected.digest) : undefined;
      if (expected) opened.delete(expected.digest);
      return uploadBlob(client, source, expected, url);
    },
    ...(canMount
      ? {
          async mountBlob(desc: Descriptor, from: RegistryLocation) {
            if (from.registry !== ref.registry || from.repository === ref.repository) return false;
            const r = await mountBlob(client, desc, from.repository);
            if (r === true) return true;
            opened.set(desc.digest, r);
            return false;
          },
        }
      : {}),
    async putManifest(bytes: Buffer, mediaType: string, top: boolean) {
      const digest = digestOf(bytes);
      let reference = digest;
      if (top && ref.digest) {
        if (ref.digest !== digest)
          throw new HullError(
            'DIGEST_MISMATCH',
            `${label}: the manifest to push is ${digest}, not the digest the reference names`,
          );
      } else if (top) reference = ref.tag ?? 'latest';
      const res = await client.request('PUT', paths.manifest(ref.repository, reference), {
        headers: { 'content-type': mediaType },
        body: bytes,
      });
      if (res.status !== 201 && res.status !== 200 && res.status !== 202)
        throw await client.error(res, 'pushing the manifest');
      await res.body?.cancel().catch(() => undefined);
    },
    commit: async () => {},
    abort: async () => {},
  };
}
