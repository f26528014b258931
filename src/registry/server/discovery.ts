/** end-8a/8b tags list (spec.md#listing-tags) and end-12a/12b referrers (spec.md#listing-referrers). */

import { MediaType } from '../../oci/media-types.js';
import { RegistryError } from '../api/errors.js';
import { paths } from '../api/routes.js';
import { type Ctx, sendJson } from './http.js';
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
 * Everything fits in one response (referrers are few), so there is no Link header.
 */
export async function handleReferrers(ctx: Ctx): Promise<void> {
  const digest = requireDigest(ctx.reference);
  const artifactType = ctx.url.searchParams.get('artifactType') || undefined;
  const manifests = await ctx.deps.store.referrers(ctx.name, digest, artifactType);
  const headers: Record<string, string> = { 'Content-Type': MediaType.imageIndex };
  // "If filtering is requested and applied, the response MUST include OCI-Filters-Applied: artifactType."
  if (artifactType) headers['OCI-Filters-Applied'] = 'artifactType';
  sendJson(ctx.res, 200, { schemaVersion: 2, mediaType: MediaType.imageIndex, manifests }, headers);
}
