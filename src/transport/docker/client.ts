/**
 * A distribution-spec client for one repository of one registry: the /v2/ ping (which picks
 * https or, with --tls-verify=false, falls back to http as skopeo does, and learns the auth
 * challenge), authorized requests with retries, and error bodies turned into one-line errors.
 */
import { HullError } from '../../errors.js';
import { paths } from '../../registry/api/routes.js';
import type { Credentials } from '../auth-file.js';
import { DOCKER_HUB } from '../reference.js';
import { RegistryAuth } from './auth.js';
import { type Challenge, parseChallenges } from './challenge.js';
import { type Body, fetchWithRetry, type HttpOptions, networkError, rawFetch } from './http.js';

export interface ClientOptions {
  registry: string;
  repository: string;
  tlsVerify: boolean;
  creds?: Credentials;
  /** Actions asked of the token server for `repository`: pull, or pull and push. */
  actions: string[];
  /** Further scopes, e.g. pull on the repository a blob is mounted from. */
  extraScopes?: string[];
  /** How errors name the image (the reference as the user wrote it). */
  label: string;
}

/** Docker Hub's API host is not its name. */
export function apiHost(registry: string): string {
  return registry === DOCKER_HUB ? 'registry-1.docker.io' : registry;
}

export class RegistryClient {
  readonly registry: string;
  readonly repository: string;
  readonly label: string;
  readonly http: HttpOptions;
  private base = '';
  private challenge: Challenge | undefined;
  private readonly auth: RegistryAuth;
  private readonly scopes: string[];

  constructor(readonly opts: ClientOptions) {
    this.registry = opts.registry;
    this.repository = opts.repository;
    this.label = opts.label;
    this.http = { tlsVerify: opts.tlsVerify };
    this.auth = new RegistryAuth(opts.creds, this.http, opts.label);
    // No actions (hull login): a token without scopes just proves the credentials.
    this.scopes = [
      ...(opts.actions.length ? [`repository:${opts.repository}:${opts.actions.join(',')}`] : []),
      ...(opts.extraScopes ?? []),
    ];
  }

  /** Connects: the ping decides the scheme and records the challenge. */
  static async connect(opts: ClientOptions): Promise<RegistryClient> {
    const client = new RegistryClient(opts);
    await client.ping();
    return client;
  }

  /** GET /v2/ (spec.md end-1). Returns the status and challenge; 200 and 401 both mean "a registry". */
  async ping(): Promise<{ status: number; challenge: Challenge | undefined }> {
    const host = apiHost(this.registry);
    const schemes = this.http.tlsVerify ? ['https'] : ['https', 'http'];
    let lastErr: unknown;
    for (const scheme of schemes) {
      const base = `${scheme}://${host}`;
      let res: Response;
      try {
        // Only the https attempt is worth retrying when http is still to be tried.
        res =
          scheme === 'https' && schemes.length > 1
            ? await rawFetch(`${base}${paths.base()}`, {}, this.http)
            : await fetchWithRetry(`${base}${paths.base()}`, {}, this.http);
      } catch (err) {
        lastErr = err instanceof HullError ? err : networkError(`${base}${paths.base()}`, err);
        continue;
      }
      await res.body?.cancel().catch(() => undefined);
      this.base = base;
      const challenges = parseChallenges(res.headers.get('www-authenticate'));
      this.challenge = challenges.find((c) => c.scheme === 'bearer') ?? challenges[0];
      return { status: res.status, challenge: this.challenge };
    }
    const why = lastErr instanceof Error ? lastErr.message : String(lastErr);
    throw new HullError('NETWORK', `${this.label}: cannot reach the registry at ${host}: ${why}`, { cause: lastErr });
  }

  url(path: string): string {
    return path.startsWith('http://') || path.startsWith('https://') ? path : `${this.base}${path}`;
  }

  /** An upload Location may be relative (spec.md: "the location MAY be absolute or relative"). */
  resolveLocation(location: string): string {
    return new URL(location, this.base).toString();
  }

  /** Authorization header for the client's scopes (or undefined, anonymous). */
  authorization(refresh = false): Promise<string | undefined> {
    return this.auth.header(this.challenge, this.scopes, refresh);
  }

  /**
   * An authorized request, retried on connection errors and 5xx when `body` is a buffer; a 401
   * refreshes the token (or learns a new challenge) and tries once more.
   */
  async request(
    method: string,
    path: string,
    init: { headers?: Record<string, string>; body?: Body; retry?: boolean } = {},
  ): Promise<Response> {
    const url = this.url(path);
    const send = async (refresh: boolean) => {
      const headers: Record<string, string> = { ...init.headers };
      const authz = await this.authorization(refresh);
      if (authz) headers.authorization = authz;
      const req = { method, headers, body: init.body as unknown as BodyInit | undefined };
      if (init.retry === false)
        return rawFetch(url, req, this.http).catch((err) => {
          throw networkError(url, err);
        });
      return fetchWithRetry(url, req, this.http);
    };
    let res = await send(false);
    if (res.status === 401) {
      const challenges = parseChallenges(res.headers.get('www-authenticate'));
      const next = challenges.find((c) => c.scheme === 'bearer') ?? challenges[0];
      if (next) {
        await res.body?.cancel().catch(() => undefined);
        this.challenge = next;
        res = await send(true);
      }
    }
    return res;
  }

  /** A non-2xx answer as one line: `LABEL: message (CODE)` from the spec's error body when there is one. */
  async error(res: Response, what?: string): Promise<HullError> {
    let text = '';
    try {
      text = await res.text();
    } catch {
      // the body is only for the message
    }
    let code = `HTTP_${res.status}`;
    let message = `${res.status} ${res.statusText}`.trim();
    try {
      const body = JSON.parse(text) as { errors?: Array<{ code?: string; message?: string }> };
      const first = body.errors?.[0];
      if (first?.code) {
        code = first.code;
        message = `${first.message || first.code.toLowerCase().replace(/_/g, ' ')} (${first.code})`;
      }
    } catch {
      if (res.status === 401) {
        code = 'UNAUTHORIZED';
        message = 'authentication required (UNAUTHORIZED)';
      } else if (res.status === 404) message = `${res.status} not found`;
    }
    return new HullError(code, `${this.label}: ${what ? `${what}: ` : ''}${message}`, {
      section: 'distribution-spec/spec.md#error-codes',
    });
  }

  /** GET /v2/NAME/tags/list, following Link pagination (spec.md#listing-tags). */
  async listTags(): Promise<string[]> {
    const tags: string[] = [];
    let next: string | undefined = paths.tags(this.repository);
    for (let page = 0; next && page < 1000; page++) {
      const res = await this.request('GET', next, { headers: { accept: 'application/json' } });
      if (!res.ok) throw await this.error(res, 'listing tags');
      const body = (await res.json()) as { tags?: string[] | null };
      tags.push(...(body.tags ?? []));
      const link = res.headers.get('link');
      const m = link ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(link) : null;
      next = m ? new URL(m[1]!, this.base).pathname + new URL(m[1]!, this.base).search : undefined;
    }
    return tags;
  }
}
