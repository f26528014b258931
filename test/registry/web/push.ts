/** Pushes a tiny image (and one referrer) to a running registry over plain HTTP, for the web page's tests. */
import { gzipSync } from 'node:zlib';
import { digestOf } from '../../../src/oci/digest.js';
import { MediaType } from '../../../src/oci/media-types.js';
import type { Descriptor } from '../../../src/oci/types.js';
import { tarOf } from '../../image/layout/tiny-image.js';

async function putBlob(base: string, repo: string, bytes: Buffer, mediaType: string): Promise<Descriptor> {
  const digest = digestOf(bytes);
  const res = await fetch(`${base}/v2/${repo}/blobs/uploads/?digest=${digest}`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream' },
    body: new Uint8Array(bytes),
  });
  if (res.status !== 201) throw new Error(`blob push: ${res.status} ${await res.text()}`);
  return { mediaType, digest, size: bytes.length };
}

async function putManifest(base: string, repo: string, ref: string, doc: object): Promise<Descriptor> {
  const bytes = Buffer.from(JSON.stringify(doc));
  const mediaType = MediaType.imageManifest;
  const res = await fetch(`${base}/v2/${repo}/manifests/${ref}`, {
    method: 'PUT',
    headers: { 'content-type': mediaType },
    body: new Uint8Array(bytes),
  });
  if (res.status !== 201) throw new Error(`manifest push: ${res.status} ${await res.text()}`);
  return { mediaType, digest: digestOf(bytes), size: bytes.length };
}

export async function pushTinyImage(
  base: string,
  repo: string,
  tag: string,
  created = '2024-05-06T07:08:09Z',
): Promise<{ manifest: Descriptor; referrer: Descriptor }> {
  const raw = await tarOf({ 'hello.txt': `hello from ${repo}:${tag}\n` });
  const layer = await putBlob(base, repo, gzipSync(raw), MediaType.layerTarGzip);
  const config = await putBlob(
    base,
    repo,
    Buffer.from(
      JSON.stringify({
        created,
        architecture: 'amd64',
        os: 'linux',
        rootfs: { type: 'layers', diff_ids: [digestOf(raw)] },
      }),
    ),
    MediaType.imageConfig,
  );
  const manifest = await putManifest(base, repo, tag, {
    schemaVersion: 2,
    mediaType: MediaType.imageManifest,
    config,
    layers: [layer],
  });
  const empty = await putBlob(base, repo, Buffer.from('{}'), MediaType.emptyJSON);
  const sbom = {
    schemaVersion: 2,
    mediaType: MediaType.imageManifest,
    artifactType: 'application/vnd.example.sbom+json',
    config: empty,
    layers: [empty],
    subject: manifest,
  };
  const referrer = await putManifest(base, repo, digestOf(Buffer.from(JSON.stringify(sbom))), sbom);
  return { manifest, referrer };
}
