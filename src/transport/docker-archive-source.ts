/**
 * docker-archive: as an ImageSource. The archive has no registry manifest; one is made up in
 * Docker schema2 (as skopeo does): the config file's digest, and each layer tar described by
 * its diff_id when it is a plain tar (docker save's layers are), else by the hash of its bytes.
 */
import { createHash } from 'node:crypto';
import { pipeline, Readable } from 'node:stream';
import { HullError } from '../errors.js';
import { sniffCompression } from '../image/compression.js';
import { digestOf, VerifyingStream } from '../oci/digest.js';
import { MediaType } from '../oci/media-types.js';
import type { Descriptor, ImageManifest } from '../oci/types.js';
import { parseImageConfig } from '../oci/validate/parse.js';
import { parseArchiveManifest, selectEntry } from './docker-archive.js';
import type { ImageSource } from './image-source.js';
import { DOCKER_LAYER_TAR } from './manifest-convert.js';
import type { ImageReference } from './reference.js';
import { TarIndex } from './tar-index.js';

export async function openDockerArchiveSource(
  ref: Extract<ImageReference, { transport: 'docker-archive' }>,
  label: string,
): Promise<ImageSource> {
  const tar = await TarIndex.open(ref.file);
  if (!tar.has('manifest.json'))
    throw new HullError('ARCHIVE_INVALID', `${ref.file} is not a docker-archive: it has no manifest.json`, {
      file: ref.file,
    });
  const entry = selectEntry(
    parseArchiveManifest(await tar.read('manifest.json'), ref.file),
    ref.file,
    ref.reference,
    ref.sourceIndex,
  );
  const configBytes = await tar.read(entry.Config);
  const config = parseImageConfig(configBytes, `${ref.file}:${entry.Config}`);
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== entry.Layers.length)
    throw new HullError(
      'ARCHIVE_INVALID',
      `${ref.file}: the config lists ${diffIds.length} diff_ids but manifest.json ${entry.Layers.length} layers`,
      { file: ref.file },
    );
  const paths = new Map<string, string>();
  const layers: Descriptor[] = [];
  for (const [i, path] of entry.Layers.entries()) {
    const head = await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      const s = tar.stream(path);
      s.on('data', (c: Buffer) => {
        chunks.push(c);
        if (Buffer.concat(chunks).length >= 4) s.destroy();
      });
      s.on('close', () => resolve(Buffer.concat(chunks)));
      s.on('error', reject);
    });
    const compression = sniffCompression(head);
    let digest = diffIds[i]!;
    if (compression !== 'none') {
      const hash = createHash('sha256');
      for await (const c of tar.stream(path)) hash.update(c as Buffer);
      digest = `sha256:${hash.digest('hex')}`;
    }
    const mediaType =
      compression === 'gzip'
        ? MediaType.dockerLayerGzip
        : compression === 'zstd'
          ? MediaType.layerTarZstd
          : DOCKER_LAYER_TAR;
    paths.set(digest, path);
    layers.push({ mediaType, size: tar.size(path), digest });
  }
  const configDesc: Descriptor = {
    mediaType: MediaType.dockerConfig,
    size: configBytes.length,
    digest: digestOf(configBytes),
  };
  const manifest: ImageManifest = { schemaVersion: 2, mediaType: MediaType.dockerManifest, config: configDesc, layers };
  const bytes = Buffer.from(JSON.stringify(manifest), 'utf8');
  const manifestDigest = digestOf(bytes);
  return {
    label,
    async getManifest(digest?: string) {
      if (digest && digest !== manifestDigest)
        throw new HullError('MANIFEST_UNKNOWN', `${label}: no manifest ${digest} in the archive`);
      return { bytes, mediaType: MediaType.dockerManifest, digest: manifestDigest };
    },
    async getBlob(desc: Descriptor) {
      const blobLabel = `${label}: blob ${desc.digest}`;
      if (desc.digest === configDesc.digest)
        return pipeline(Readable.from([configBytes]), new VerifyingStream(desc, blobLabel), () => {});
      const path = paths.get(desc.digest);
      if (!path) throw new HullError('BLOB_UNKNOWN', `${label}: no blob ${desc.digest} in the archive`);
      return pipeline(tar.stream(path), new VerifyingStream(desc, blobLabel), () => {});
    },
    close: async () => {},
  };
}
