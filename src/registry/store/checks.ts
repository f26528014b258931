/**
 * Argument checks at the store's boundary. Every name, digest, tag and upload id becomes part of
 * a storage key, so they are checked here (not only by the HTTP layer) and fail with the spec's
 * error codes (spec.md#error-codes).
 */
import { digestProblem, isDigest } from '../../oci/digest.js';
import { RegistryError } from '../api/errors.js';
import { MAX_NAME_LENGTH, NAME_RE, TAG_RE } from '../api/routes.js';

/** Upload ids are ours (UUIDs), but a client echoes them back, so check before use as a key. */
export const UPLOAD_ID_RE = /^[A-Za-z0-9_-]{1,128}$/;

export function checkRepo(name: string): void {
  if (typeof name !== 'string' || name.length > MAX_NAME_LENGTH || !NAME_RE.test(name))
    throw new RegistryError('NAME_INVALID', `invalid repository name '${name}'`, { name });
}

/** Throws DIGEST_INVALID unless `digest` is a sha256/sha512 digest (descriptor.md#digests). */
export function checkDigest(digest: string): void {
  const problem = digestProblem(digest);
  if (problem) throw new RegistryError('DIGEST_INVALID', `invalid digest: ${problem}`, { digest });
}

export function isTag(reference: string): boolean {
  return TAG_RE.test(reference);
}

export function isDigestRef(reference: string): boolean {
  return isDigest(reference);
}

/**
 * spec.md#listing-tags: "lexical order (i.e. case-insensitive alphanumeric order)". Ties between
 * names differing only in case are broken by code point, so the order is total and `last` is
 * unambiguous.
 */
export function lexicalCompare(a: string, b: string): number {
  const la = a.toLowerCase();
  const lb = b.toLowerCase();
  if (la !== lb) return la < lb ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * One page of a sorted list: entries strictly after `last` (which need not be present), at most
 * `n` of them (n = 0 gives [], spec.md#listing-tags).
 */
export function page(sorted: string[], opts: { n?: number; last?: string } = {}): string[] {
  let items = sorted;
  const { last, n } = opts;
  if (last !== undefined && last !== '') items = items.filter((x) => lexicalCompare(x, last) > 0);
  if (n !== undefined) items = items.slice(0, Math.max(0, n));
  return items;
}
