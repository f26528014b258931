/** end-8a/8b tags list (spec.md#listing-tags) and end-12a/12b referrers (spec.md#listing-referrers). */

import { MediaType } from '../../oci/media-types.js';
import type { Descriptor } from '../../oci/types.js';
import { RegistryError } from '../api/errors.js';
import { paths } from '../api/routes.js';
import { type Ctx, parseN, sendJson } from './http.js';
import { paginate } from './pagination.js';
import { requireDigest } from './refs.js';

export async function handleTags(ctx: Ctx): Promise<void> {
  const { store } = ctx.deps;
  // "Assuming a repository is found, this request MUST return a 200": an unknown one is NAME_UNKNOWN.
  if (!(await store.repositoryExists(ctx.name))) throw new RegistryError('NAME_UNKNOWN', undefined, { name: ctx.name });
  const page = await paginate(ctx, paths.tags(ctx.name), (opts) => store.listTags(ctx.name, opts));
  sendJson(ctx.res, 200, { name: ctx.name, tags: page.items }, page.headers);
}

/**
 * Always an image index, empty when nothing refers to the digest (or the repository is
 * unknown): "If the registry supports the referrers API, the registry MUST NOT return a 404".
 *
 * Paged like tags, in digest order: at most `n` descriptors (when asked) after the referrer
 * `last`, and never more than fits in one manifest (limits.manifestBytes) — "A Link header MUST
 * be included in the response when the descriptor list cannot be returned in a single
 * manifest". The Link carries the filter along, so every page is filtered alike.
 */
export async function handleReferrers(ctx: Ctx): Promise<void> {
  const digest = requireDigest(ctx.reference);
  const artifactType = ctx.url.searchParams.get('artifactType') || undefined;
  const n = parseN(ctx.url);
  const lastParam = ctx.url.searchParams.get('last');
  const last = lastParam ? requireDigest(lastParam, 'last') : undefined;
  const all = (await ctx.deps.store.referrers(ctx.name, digest, artifactType)).sort((a, b) =>
    a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0,
  );
  const rest = last === undefined ? all : all.filter((d) => d.digest > last);
  const budget = ctx.deps.config.limits.manifestBytes - EMPTY_INDEX_BYTES;
  const manifests: Descriptor[] = [];
  let bytes = 0;
  for (const d of rest) {
    if (n !== undefined && manifests.length >= n) break;
    const size = Buffer.byteLength(JSON.stringify(d)) + 1;
    // One descriptor always goes out, however large, so a client walking the links always advances.
    if (manifests.length > 0 && bytes + size > budget) break;
    manifests.push(d);
    bytes += size;
  }
  const headers: Record<string, string> = { 'Content-Type': MediaType.imageIndex };
  // "If filtering is requested and applied, the response MUST include OCI-Filters-Applied: artifactType."
  if (artifactType) headers['OCI-Filters-Applied'] = 'artifactType';
  if (manifests.length < rest.length && n !== 0) {
    const next = new URLSearchParams({
      ...(n !== undefined ? { n: String(n) } : {}),
      last: manifests[manifests.length - 1]!.digest,
      ...(artifactType ? { artifactType } : {}),
    });
    headers.Link = `<${paths.referrers(ctx.name, digest)}?${next}>; rel="next"`;
  }
  sendJson(ctx.res, 200, { schemaVersion: 2, mediaType: MediaType.imageIndex, manifests }, headers);
}

/** The bytes of the index around its descriptors. */
const EMPTY_INDEX_BYTES = Buffer.byteLength(
  JSON.stringify({ schemaVersion: 2, mediaType: MediaType.imageIndex, manifests: [] }),
);
