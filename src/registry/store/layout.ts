/**
 * Where the store keeps things, following distribution's registry/storage/paths.go:
 *
 *   blobs/<alg>/<2 hex>/<hex>/data                          content, global and shared by repos
 *   blobs/<alg>/<2 hex>/<hex>/linked-<ms>-<rand>            one per push/mount (gc.ts)
 *   repositories/<name>/_layers/<alg>/<hex>/link            blob linked into a repo (push/mount)
 *   repositories/<name>/_manifests/revisions/<alg>/<hex>/link       manifest in the repo
 *   repositories/<name>/_manifests/revisions/<alg>/<hex>/mediatype  its Content-Type
 *   repositories/<name>/_manifests/revisions/<alg>/<hex>/subject    its subject digest, if any
 *   repositories/<name>/_manifests/tags/<tag>/current/link  tag -> manifest digest
 *   repositories/<name>/_uploads/<id>/data, startedat       upload staging, never served
 *   repositories/<name>/_referrers/<alg>/<hex>/<alg>-<hex>  descriptor JSON of a manifest whose
 *                                                           subject is <alg>:<hex>
 *
 * Manifest bytes are blobs too (blobs/…/data), so gc treats both alike. The media type lives in
 * the revision, not beside the data, because it is what the pushing client said for *this*
 * repository (two repositories may push the same bytes with different Content-Types).
 * Repository names cannot collide with the `_`-prefixed directories: NAME_RE components start
 * with [a-z0-9].
 */

export const BLOBS = 'blobs';
export const REPOSITORIES = 'repositories';

export interface DigestParts {
  alg: string;
  hex: string;
}

/** Splits a digest already checked by checks.ts (so both parts are path-safe). */
export function digestParts(digest: string): DigestParts {
  const i = digest.indexOf(':');
  return { alg: digest.slice(0, i), hex: digest.slice(i + 1) };
}

export function blobDir(digest: string): string {
  const { alg, hex } = digestParts(digest);
  return `${BLOBS}/${alg}/${hex.slice(0, 2)}/${hex}`;
}

export function blobData(digest: string): string {
  return `${blobDir(digest)}/data`;
}

/**
 * Written by every push or mount of the blob, each under its own name: gc's "pushed since I
 * looked" signal. Unique names mean no writer or gc ever deletes a marker it did not see as old.
 */
export const MARKER_PREFIX = 'linked-';

export function blobMarker(digest: string, name: string): string {
  return `${blobDir(digest)}/${name}`;
}

/** The time a marker name carries (its writer's clock), or NaN. */
export function markerTime(name: string): number {
  return name.startsWith(MARKER_PREFIX) ? Number(name.slice(MARKER_PREFIX.length).split('-', 1)[0]) : Number.NaN;
}

export function repoDir(repo: string): string {
  return `${REPOSITORIES}/${repo}`;
}

export function layersDir(repo: string): string {
  return `${repoDir(repo)}/_layers`;
}

export function layerDir(repo: string, digest: string): string {
  const { alg, hex } = digestParts(digest);
  return `${layersDir(repo)}/${alg}/${hex}`;
}

export function layerLink(repo: string, digest: string): string {
  return `${layerDir(repo, digest)}/link`;
}

export function manifestsDir(repo: string): string {
  return `${repoDir(repo)}/_manifests`;
}

export function revisionsDir(repo: string): string {
  return `${manifestsDir(repo)}/revisions`;
}

export function revisionDir(repo: string, digest: string): string {
  const { alg, hex } = digestParts(digest);
  return `${revisionsDir(repo)}/${alg}/${hex}`;
}

export function revisionLink(repo: string, digest: string): string {
  return `${revisionDir(repo, digest)}/link`;
}

export function revisionMediaType(repo: string, digest: string): string {
  return `${revisionDir(repo, digest)}/mediatype`;
}

export function revisionSubject(repo: string, digest: string): string {
  return `${revisionDir(repo, digest)}/subject`;
}

export function tagsDir(repo: string): string {
  return `${manifestsDir(repo)}/tags`;
}

export function tagDir(repo: string, tag: string): string {
  return `${tagsDir(repo)}/${tag}`;
}

export function tagLink(repo: string, tag: string): string {
  return `${tagDir(repo, tag)}/current/link`;
}

export function uploadsDir(repo: string): string {
  return `${repoDir(repo)}/_uploads`;
}

export function uploadDir(repo: string, id: string): string {
  return `${uploadsDir(repo)}/${id}`;
}

export function uploadData(repo: string, id: string): string {
  return `${uploadDir(repo, id)}/data`;
}

export function uploadStartedAt(repo: string, id: string): string {
  return `${uploadDir(repo, id)}/startedat`;
}

export function referrersDir(repo: string, subject: string): string {
  const { alg, hex } = digestParts(subject);
  return `${repoDir(repo)}/_referrers/${alg}/${hex}`;
}

export function referrerEntry(repo: string, subject: string, digest: string): string {
  const { alg, hex } = digestParts(digest);
  return `${referrersDir(repo, subject)}/${alg}-${hex}`;
}

/** The digest a referrer entry's file name stands for (`sha256-abc…` -> `sha256:abc…`). */
export function referrerEntryDigest(name: string): string {
  const i = name.indexOf('-');
  return i < 0 ? name : `${name.slice(0, i)}:${name.slice(i + 1)}`;
}
