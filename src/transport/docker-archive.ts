/**
 * The `docker save` / `docker load` archive format shared by docker-archive-source.ts and
 * docker-archive-destination.ts: a tar holding manifest.json (`[{Config, RepoTags, Layers}]`),
 * the image config as a file, each layer as an uncompressed tar, and the legacy `repositories`
 * file (`{"name": {"tag": "<config hex>"}}`).
 */
import { HullError } from '../errors.js';
import { DOCKER_HUB, type DockerReference, parseDockerReference } from './reference.js';

export interface ArchiveManifestEntry {
  Config: string;
  RepoTags: string[] | null;
  Layers: string[];
}

/** A name as docker prints it: docker.io and library/ dropped, as `docker load` expects in RepoTags. */
export function familiarName(ref: DockerReference): string {
  let name = ref.repository;
  if (ref.registry === DOCKER_HUB) {
    if (name.startsWith('library/') && name.split('/').length === 2) name = name.slice('library/'.length);
  } else name = `${ref.registry}/${name}`;
  return name;
}

export function repoTag(ref: DockerReference): string {
  return `${familiarName(ref)}:${ref.tag ?? 'latest'}`;
}

export function parseArchiveManifest(bytes: Buffer, file: string): ArchiveManifestEntry[] {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new HullError('ARCHIVE_INVALID', `${file}: manifest.json is not JSON: ${(err as Error).message}`, { file });
  }
  const ok =
    Array.isArray(doc) &&
    doc.every(
      (e) =>
        e &&
        typeof e.Config === 'string' &&
        Array.isArray(e.Layers) &&
        e.Layers.every((l: unknown) => typeof l === 'string') &&
        (e.RepoTags === undefined || e.RepoTags === null || Array.isArray(e.RepoTags)),
    );
  if (!ok)
    throw new HullError('ARCHIVE_INVALID', `${file}: manifest.json is not a list of {Config, RepoTags, Layers}`, {
      file,
    });
  return doc as ArchiveManifestEntry[];
}

/** The entry a docker-archive reference names: by RepoTag, by @index, or the only one. */
export function selectEntry(
  entries: ArchiveManifestEntry[],
  file: string,
  reference?: DockerReference,
  sourceIndex?: number,
): ArchiveManifestEntry {
  if (sourceIndex !== undefined) {
    const e = entries[sourceIndex];
    if (!e)
      throw new HullError('IMAGE_UNKNOWN', `${file}: no image @${sourceIndex}; the archive holds ${entries.length}`, {
        file,
      });
    return e;
  }
  if (reference) {
    const want = repoTag(reference);
    const e = entries.find((x) =>
      (x.RepoTags ?? []).some((t) => {
        try {
          return repoTag(parseDockerReference(t)) === want;
        } catch {
          return false;
        }
      }),
    );
    if (!e) throw new HullError('IMAGE_UNKNOWN', `${file}: no image tagged ${want} in the archive`, { file });
    return e;
  }
  if (entries.length !== 1)
    throw new HullError(
      'IMAGE_AMBIGUOUS',
      `${file} holds ${entries.length} images; name one as docker-archive:${file}:NAME:TAG or :@N`,
      { file },
    );
  return entries[0]!;
}
