/** end-1 (/v2/, spec.md#determining-support) and /v2/_catalog (paginated like tags, as distribution). */

import type { Ctx } from './http.js';
import { sendJson } from './http.js';
import { paginate } from './pagination.js';

/** The version header distribution sends and docker and podman look for (spec.md#legacy-docker-support-http-headers). */
export const API_VERSION_HEADER = { 'Docker-Distribution-API-Version': 'registry/2.0' } as const;

export async function handleBase(ctx: Ctx): Promise<void> {
  sendJson(ctx.res, 200, {}, { ...API_VERSION_HEADER });
}

export async function handleCatalog(ctx: Ctx): Promise<void> {
  const { store } = ctx.deps;
  const page = await paginate(ctx, '/v2/_catalog', (opts) => store.listRepositories(opts));
  sendJson(ctx.res, 200, { repositories: page.items }, page.headers);
}
