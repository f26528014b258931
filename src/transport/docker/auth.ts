/**
 * Authorization for registry requests: HTTP Basic with the user's credentials, or the Docker
 * token flow (distribution's docs/spec/auth/token.md): on a `Bearer realm=…,service=…` challenge,
 * GET realm?service=…&scope=repository:NAME:pull,push (Basic credentials if we have any,
 * anonymous otherwise) and send the returned token. Tokens are cached per scope set until
 * shortly before they expire.
 */
import { HullError } from '../../errors.js';
import type { Credentials } from '../auth-file.js';
import type { Challenge } from './challenge.js';
import { fetchWithRetry, type HttpOptions } from './http.js';

interface CachedToken {
  token: string;
  expires: number;
}

export function basicHeader(creds: Credentials): string {
  return `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
}

export class RegistryAuth {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly pending = new Map<string, Promise<CachedToken>>();

  constructor(
    private readonly creds: Credentials | undefined,
    private readonly http: HttpOptions,
    private readonly label: string,
  ) {}

  /** The Authorization header for a request under `challenge` with `scopes`, or undefined (anonymous). */
  async header(challenge: Challenge | undefined, scopes: string[], refresh = false): Promise<string | undefined> {
    if (!challenge) return undefined;
    if (challenge.scheme === 'basic') {
      if (!this.creds)
        throw new HullError('UNAUTHORIZED', `${this.label}: authentication required (UNAUTHORIZED); use hull login`);
      return basicHeader(this.creds);
    }
    if (challenge.scheme !== 'bearer')
      throw new HullError('AUTH_UNSUPPORTED', `${this.label}: unsupported authentication scheme '${challenge.scheme}'`);
    const key = [challenge.params.realm, challenge.params.service, ...[...scopes].sort()].join(' ');
    const cached = this.tokens.get(key);
    if (!refresh && cached && cached.expires > Date.now()) return `Bearer ${cached.token}`;
    let p = this.pending.get(key);
    if (!p) {
      p = this.fetchToken(challenge, scopes).finally(() => this.pending.delete(key));
      this.pending.set(key, p);
    }
    const token = await p;
    this.tokens.set(key, token);
    return `Bearer ${token.token}`;
  }

  private async fetchToken(challenge: Challenge, scopes: string[]): Promise<CachedToken> {
    const realm = challenge.params.realm;
    if (!realm) throw new HullError('AUTH_INVALID', `${this.label}: the Bearer challenge names no realm`);
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new HullError('AUTH_INVALID', `${this.label}: the token realm '${realm}' is not a URL`);
    }
    if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
    for (const s of scopes) url.searchParams.append('scope', s);
    const headers: Record<string, string> = {};
    if (this.creds) {
      url.searchParams.set('account', this.creds.username);
      headers.authorization = basicHeader(this.creds);
    }
    const res = await fetchWithRetry(url.toString(), { headers }, this.http);
    const text = await res.text();
    if (res.status === 401 || res.status === 403)
      throw new HullError(
        'UNAUTHORIZED',
        `${this.label}: the token server refused ${this.creds ? `the credentials of '${this.creds.username}'` : 'anonymous access'} (${res.status})`,
      );
    if (!res.ok) throw new HullError('AUTH_FAILED', `${this.label}: token request to ${realm} failed: ${res.status}`);
    let body: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      body = JSON.parse(text);
    } catch {
      throw new HullError('AUTH_FAILED', `${this.label}: the token server at ${realm} did not answer JSON`);
    }
    const token = typeof body.token === 'string' ? body.token : body.access_token;
    if (typeof token !== 'string' || !token)
      throw new HullError('AUTH_FAILED', `${this.label}: the token server at ${realm} returned no token`);
    // token.md: expires_in defaults to 60 seconds; renew 10 seconds early.
    const secs = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 60;
    return { token, expires: Date.now() + Math.max(1, secs - 10) * 1000 };
  }
}
