/**
 * Digests and tags in URLs. A digest that does not parse is DIGEST_INVALID 400 (spec.md#listing-referrers:
 * "a <digest> with an invalid syntax, a 400 Bad Request MUST be returned"; likewise for blobs),
 * never a 404 or a 500 from deeper down.
 */

import { digestProblem } from '../../oci/digest.js';
import { RegistryError } from '../api/errors.js';
import { TAG_RE } from '../api/routes.js';

export function requireDigest(value: string | null | undefined, what = 'digest'): string {
  if (value === null || value === undefined || value === '')
    throw new RegistryError('DIGEST_INVALID', `${what} is required`);
  const problem = digestProblem(value);
  if (problem) throw new RegistryError('DIGEST_INVALID', `invalid ${what}: ${problem}`, { digest: value });
  return value;
}

export type Reference = { digest: string } | { tag: string };

/**
 * spec.md#pulling-manifests: "<reference> MUST be either (a) the digest of the manifest or (b) a
 * tag". Anything with a ':' can only be meant as a digest, so it is judged as one.
 */
export function parseReference(reference: string): Reference | undefined {
  if (reference.includes(':')) return { digest: requireDigest(reference) };
  return TAG_RE.test(reference) ? { tag: reference } : undefined;
}
