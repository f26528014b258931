/**
 * docker-archive: as an ImageDestination, writing what `docker load` reads: manifest.json, the
 * config as <hex>.json, each layer as an uncompressed tar in a legacy v1 directory named by its
 * chain ID (<id>/layer.tar, VERSION, json) and `repositories`. Blobs are staged in a temp dir (a
 * tar header needs each size up front); the archive is written beside FILE and renamed over it
 * only on commit, so a failed copy leaves FILE as it was.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { HullError } from '../errors.js';
import type { BlobRef } from '../image/layout/put-blob.js';
import { Digester, parseDigest } from '../oci/digest.js';
import type { ImageManifest } from '../oci/types.js';
import { parseManifest } from '../oci/validate/parse.js';
import { type ArchiveManifestEntry, familiarName, repoTag } from './docker-archive.js';
import type { ImageDestination } from './image-destination.js';
import type { ImageReference } from './reference.js';

type PackEntryHeader = Parameters<tar.Pack['entry']>[0];

async function addFile(pack: tar.Pack, header: PackEntryHeader, path: string): Promise<void> {
  let sink!: ReturnType<tar.Pack['entry']>;
  const done = new Promise<void>((resolve, reject) => {
    sink = pack.entry(header, (err) => (err ? reject(err) : resolve()));
  });
  done.catch(() => undefined);
  for await (const chunk of createReadStream(path)) {
    if (!sink.write(chunk as Buffer))
      await Promise.race([new Promise<void>((resolve) => sink.once('drain', () => resolve())), done]);
  }
  sink.end(undefined);
  await done;
}

function addBuffer(pack: tar.Pack, header: PackEntryHeader, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry({ ...header, size: data.length }, data, (err) => (err ? reject(err) : resolve()));
  });
}

export async function openDockerArchiveDestination(
  ref: Extract<ImageReference, { transport: 'docker-archive' }>,
  label: string,
): Promise<ImageDestination> {
  if (ref.sourceIndex !== undefined)
    throw new HullError('REFERENCE_INVALID', `${label}: @N names an image to read; write to FILE or FILE:NAME:TAG`);
  const staging = await mkdtemp(join(tmpdir(), 'hull-docker-archive-'));
  const blobs = new Map<string, string>();
  let pending: { manifest: ImageManifest } | undefined;
  const cleanup = () => rm(staging, { recursive: true, force: true });

  async function writeArchive(manifest: ImageManifest): Promise<void> {
    const file = ref.file;
    const tmp = join(dirname(file), `.${basename(file)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
    const common = { uid: 0, gid: 0, mtime: new Date(0), mode: 0o644 };
    try {
      const handle = await open(tmp, 'wx', 0o644);
      try {
        const pack = tar.pack();
        const writing = (async () => {
          for await (const chunk of pack) await handle.write(chunk as Buffer);
        })();
        writing.catch((err) => pack.destroy(err));
        const configHex = parseDigest(manifest.config.digest).encoded;
        await addFile(
          pack,
          { ...common, name: `${configHex}.json`, size: (await stat(blobs.get(manifest.config.digest)!)).size },
          blobs.get(manifest.config.digest)!,
        );
        const layerPaths: string[] = [];
        let parent = '';
        for (const layer of manifest.layers) {
          const path = blobs.get(layer.digest);
          if (!path) throw new HullError('BLOB_UNKNOWN', `${label}: layer ${layer.digest} was not written`);
          // The v1 layer ID docker uses: the chain ID, unique per position in the stack.
          const id = parent
            ? createHash('sha256').update(`sha256:${parent} ${layer.digest}`).digest('hex')
            : parseDigest(layer.digest).encoded;
          pack.entry({ ...common, name: `${id}/`, type: 'directory', mode: 0o755 });
          await addBuffer(pack, { ...common, name: `${id}/VERSION` }, Buffer.from('1.0'));
          const v1 = { id, ...(parent ? { parent } : {}), created: '1970-01-01T00:00:00Z' };
          await addBuffer(pack, { ...common, name: `${id}/json` }, Buffer.from(JSON.stringify(v1)));
          await addFile(pack, { ...common, name: `${id}/layer.tar`, size: (await stat(path)).size }, path);
          layerPaths.push(`${id}/layer.tar`);
          parent = id;
        }
        const entry: ArchiveManifestEntry = {
          Config: `${configHex}.json`,
          RepoTags: ref.reference ? [repoTag(ref.reference)] : [],
          Layers: layerPaths,
        };
        await addBuffer(pack, { ...common, name: 'manifest.json' }, Buffer.from(JSON.stringify([entry])));
        if (ref.reference && parent) {
          const repos = { [familiarName(ref.reference)]: { [ref.reference.tag ?? 'latest']: parent } };
          await addBuffer(pack, { ...common, name: 'repositories' }, Buffer.from(JSON.stringify(repos)));
        }
        pack.finalize();
        await writing;
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, file);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  return {
    label,
    caps: { manifestFormat: 'docker', forcedCompression: 'none', compressUncompressed: false, supportsIndex: false },
    hasBlob: async () => false,
    async putBlob(source: Readable, expected: BlobRef | undefined): Promise<BlobRef> {
      const digester = new Digester(expected ? parseDigest(expected.digest).algorithm : 'sha256');
      const tmp = join(staging, `tmp-${randomBytes(8).toString('hex')}`);
      const handle = await open(tmp, 'wx', 0o600);
      try {
        for await (const chunk of source) {
          digester.update(chunk as Buffer);
          await handle.write(chunk as Buffer);
        }
      } finally {
        await handle.close();
      }
      const actual = { digest: digester.digest(), size: digester.size };
      if (expected && (expected.digest !== actual.digest || (expected.size >= 0 && expected.size !== actual.size)))
        throw new HullError('DIGEST_MISMATCH', `${label}: content ${actual.digest} does not match ${expected.digest}`, {
          section: 'image-spec/descriptor.md#digests',
        });
      const final = join(staging, parseDigest(actual.digest).encoded);
      await rename(tmp, final);
      blobs.set(actual.digest, final);
      return actual;
    },
    async putManifest(bytes: Buffer, _mediaType: string, top: boolean) {
      if (!top)
        throw new HullError('FORMAT_UNSUPPORTED', `${label}: a docker-archive holds single images, not indexes`);
      pending = { manifest: parseManifest(bytes, label) };
    },
    async commit() {
      try {
        if (!pending) throw new HullError('MANIFEST_UNKNOWN', `${label}: no image was written`);
        await writeArchive(pending.manifest);
      } finally {
        await cleanup();
      }
    },
    abort: cleanup,
  };
}
