/**
 * The read-only web page of `hull registry serve`: GET/HEAD on `/` and `/ui/repo/<name>`;
 * anything else is left to the server (returns false). When given the registry's authorizer it
 * asks it first — the catalog right for `/`, pull for a repository — so the page shows no more
 * than the API would.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MAX_NAME_LENGTH, NAME_RE } from '../api/routes.js';
import type { AccessNeed, Authorizer } from '../auth/types.js';
import type { RegistryStore } from '../store/types.js';
import { html, page } from './html.js';
import { type PageRequest, type RenderedPage, renderIndexPage, renderRepoPage } from './pages.js';
import type { WebHandler } from './types.js';

export interface WebHandlerOptions {
  /** Checked before each page; without it the page is public. */
  authorizer?: Authorizer;
  /** Rows per page (default 100, at most 1000 even when `?n=` asks for more). */
  pageSize?: number;
}

const MAX_PAGE = 1000;

export function createWebHandler(opts: WebHandlerOptions = {}): WebHandler {
  const defaultN = Math.min(opts.pageSize ?? 100, MAX_PAGE);

  return async (req: IncomingMessage, res: ServerResponse, store: RegistryStore): Promise<boolean> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const url = new URL(req.url ?? '/', 'http://localhost');
    let repo: string | undefined;
    if (url.pathname === '/') repo = undefined;
    else if (url.pathname.startsWith('/ui/repo/')) {
      try {
        repo = decodeURIComponent(url.pathname.slice('/ui/repo/'.length)).replace(/\/$/, '');
      } catch {
        return false;
      }
      if (repo.length > MAX_NAME_LENGTH || !NAME_RE.test(repo)) {
        send(req, res, { status: 404, body: page('Not found — hull registry', html`<h1>Not a repository name</h1>`) });
        return true;
      }
    } else return false;

    const need: AccessNeed = repo === undefined ? { catalog: true } : { repository: repo, actions: ['pull'] };
    if (opts.authorizer) {
      const auth = await opts.authorizer.authorize(req, need);
      if (!auth.ok) {
        for (const [k, v] of Object.entries(auth.headers)) res.setHeader(k, v);
        const title = auth.status === 401 ? 'Authentication required' : 'Access denied';
        send(req, res, { status: auth.status, body: page(`${title} — hull registry`, html`<h1>${title}</h1>`) });
        return true;
      }
    }

    const n = Number.parseInt(url.searchParams.get('n') ?? '', 10);
    const pageReq: PageRequest = {
      n: Number.isFinite(n) && n > 0 ? Math.min(n, MAX_PAGE) : defaultN,
      ...(req.headers.host ? { host: req.headers.host } : {}),
      ...(url.searchParams.get('last') ? { last: url.searchParams.get('last') as string } : {}),
    };
    const rendered =
      repo === undefined ? await renderIndexPage(store, pageReq) : await renderRepoPage(store, repo, pageReq);
    send(req, res, rendered);
    return true;
  };
}

function send(req: IncomingMessage, res: ServerResponse, rendered: RenderedPage): void {
  const body = Buffer.from(rendered.body, 'utf8');
  res.statusCode = rendered.status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Content-Length', body.length);
  // Pushed names end up in the page: even if escaping failed, no script or remote resource would run.
  res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'");
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cache-Control', 'no-cache');
  res.end(req.method === 'HEAD' ? undefined : body);
}
