/**
 * Paginated lists (spec.md#listing-tags, and /v2/_catalog the same way, as distribution does):
 * `n` items after `last`, in lexical order, with `Link: <…?n=…&last=…>; rel="next"` when more
 * remain. Asking the store for n+1 tells "more remain" apart from "exactly n left" without a
 * second call, so a client walking the links never gets an empty last page with a Link on it.
 */
import type { Ctx } from './http.js';
import { parseN } from './http.js';

export interface Page {
  items: string[];
  headers: Record<string, string>;
}

export async function paginate(
  ctx: Ctx,
  path: string,
  list: (opts: { n?: number; last?: string }) => Promise<string[]>,
): Promise<Page> {
  const n = parseN(ctx.url);
  const last = ctx.url.searchParams.get('last') || undefined;
  // "When n is zero, this endpoint MUST return an empty list, and MUST NOT include a Link header."
  if (n === 0) return { items: [], headers: {} };
  if (n === undefined) return { items: await list({ last }), headers: {} };
  const items = await list({ n: n + 1, last });
  if (items.length <= n) return { items, headers: {} };
  const page = items.slice(0, n);
  const next = new URLSearchParams({ n: String(n), last: page[page.length - 1]! });
  return { items: page, headers: { Link: `<${path}?${next}>; rel="next"` } };
}
