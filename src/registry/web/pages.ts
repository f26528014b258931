/**
 * The two pages: `/` lists repositories with their tag counts, `/ui/repo/<name>` lists a
 * repository's tags with what each points to. Both are paged (`?last=…&n=…`, the catalog's own
 * pagination) so a registry with thousands of repositories or tags renders quickly.
 */
import type { RegistryStore } from '../store/types.js';
import { describeManifest, type ManifestSummary } from './describe.js';
import { formatSize, type Html, html, page, query, repoHref, shortDigest } from './html.js';

export interface PageRequest {
  last?: string;
  n: number;
  /** The Host the browser used, shown in the pull hint (escaped like everything else). */
  host?: string;
}

export interface RenderedPage {
  status: number;
  body: string;
}

/** One page after `last`, and whether more follow (we ask the store for one extra name to know). */
async function pageOf(list: (o: { n: number; last?: string }) => Promise<string[]>, req: PageRequest) {
  const items = await list({ n: req.n + 1, ...(req.last ? { last: req.last } : {}) });
  const more = items.length > req.n;
  return { items: items.slice(0, req.n), more };
}

function pager(base: string, items: string[], more: boolean, req: PageRequest): Html {
  const last = items[items.length - 1];
  return html`<nav class="pages">${req.last ? html`<a href="${base}${query({ n: req.n })}">« first</a> ` : ''}${
    more && last !== undefined ? html`<a href="${base}${query({ last, n: req.n })}">next ${req.n} »</a>` : ''
  }</nav>`;
}

export async function renderIndexPage(store: RegistryStore, req: PageRequest): Promise<RenderedPage> {
  const { items, more } = await pageOf((o) => store.listRepositories(o), req);
  const counts = await Promise.all(
    items.map(async (repo) => {
      try {
        return (await store.listTags(repo)).length;
      } catch {
        return undefined;
      }
    }),
  );
  const rows = items.map(
    (repo, i) => html`<tr><td><a href="${repoHref(repo)}">${repo}</a></td><td>${counts[i] ?? '—'}</td></tr>`,
  );
  const body = html`<h1>Repositories</h1>${
    items.length === 0 && !req.last
      ? html`<p class="muted">No repositories yet. Push one: <code>podman push IMAGE HOST/NAME:TAG</code></p>`
      : html`<table><thead><tr><th>Repository</th><th>Tags</th></tr></thead><tbody>${rows}</tbody></table>${pager('/', items, more, req)}`
  }`;
  return { status: 200, body: page('Repositories — hull registry', body) };
}

function kindCell(s: ManifestSummary): Html {
  switch (s.kind) {
    case 'image':
      return html`image${s.platform ? html` <span class="muted">${s.platform}</span>` : ''}`;
    case 'index':
      return html`index <span class="muted">(${s.childrenTotal ?? 0} manifests)</span>`;
    case 'artifact':
      return html`artifact${s.artifactType ? html`<br><code>${s.artifactType}</code>` : ''}`;
    default:
      return html`<span class="muted">unknown</span>`;
  }
}

function referrersCell(s: ManifestSummary): Html {
  if (s.referrers.length === 0) return html`<span class="muted">—</span>`;
  return html`<ul class="plain">${s.referrers.map(
    (r) => html`<li><code title="${r.digest}">${shortDigest(r.digest)}</code> ${r.artifactType ?? r.mediaType}</li>`,
  )}</ul>`;
}

function childrenList(s: ManifestSummary): Html {
  if (!s.children?.length) return html``;
  const hidden = (s.childrenTotal ?? 0) - s.children.length;
  return html`<ul class="plain">${s.children.map(
    (c) =>
      html`<li><code title="${c.digest}">${shortDigest(c.digest)}</code> ${c.platform ?? ''} <span class="muted">${formatSize(c.size)}</span></li>`,
  )}${hidden > 0 ? html`<li class="muted">and ${hidden} more</li>` : ''}</ul>`;
}

function tagRow(tag: string, s: ManifestSummary | undefined): Html {
  if (!s) return html`<tr><td>${tag}</td><td colspan="6" class="muted">manifest missing</td></tr>`;
  const size =
    s.layersSize !== undefined
      ? html`${formatSize(s.layersSize)} <span class="muted">(${s.layerCount} layers)</span>`
      : formatSize(s.size);
  return html`<tr><td>${tag}</td><td><code title="${s.digest}">${shortDigest(s.digest)}</code>${childrenList(s)}</td>
<td>${kindCell(s)}<br><code class="muted">${s.mediaType}</code></td><td>${size}</td><td>${s.created ?? html`<span class="muted">—</span>`}</td>
<td>${referrersCell(s)}</td></tr>`;
}

export async function renderRepoPage(store: RegistryStore, repo: string, req: PageRequest): Promise<RenderedPage> {
  if (!(await store.repositoryExists(repo)))
    return {
      status: 404,
      body: page('Not found — hull registry', html`<h1>${repo}</h1><p>No such repository.</p>`),
    };
  const { items, more } = await pageOf((o) => store.listTags(repo, o), req);
  const summaries = await Promise.all(
    items.map(async (tag) => {
      const m = await store.getManifest(repo, tag).catch(() => undefined);
      return m ? describeManifest(store, repo, m) : undefined;
    }),
  );
  const base = repoHref(repo);
  const table =
    items.length === 0 && !req.last
      ? html`<p class="muted">No tags.</p>`
      : html`<table><thead><tr><th>Tag</th><th>Digest</th><th>Type</th><th>Size</th><th>Created</th><th>Referrers</th></tr></thead>
<tbody>${items.map((t, i) => tagRow(t, summaries[i]))}</tbody></table>${
          more
            ? html`<p class="note">Showing ${items.length} tags${req.last ? html` after ${req.last}` : ''}; more follow.</p>`
            : ''
        }${pager(base, items, more, req)}`;
  return {
    status: 200,
    body: page(
      `${repo} — hull registry`,
      html`<h1>${repo}</h1><p class="muted">Pull: <code>${req.host ?? 'HOST'}/${repo}:TAG</code></p>${table}`,
    ),
  };
}
