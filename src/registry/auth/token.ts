/**
 * Docker's token authentication (distribution's docs/spec/auth/token.md): /v2/ requests carry
 * `Authorization: Bearer <JWT>`; without a good one the registry answers 401 with a Bearer
 * challenge naming the token endpoint (realm), service and scope; the client fetches a token
 * there (token-endpoint.ts) and retries. The same process issues and verifies, so the key is
 * shared in memory.
 */

import type { KeyObject } from 'node:crypto';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { jwtVerify, SignJWT } from 'jose';
import { RegistryError } from '../api/errors.js';
import type { AccessRule } from './access.js';
import { quote } from './decide.js';
import { Htpasswd } from './htpasswd.js';
import { accessCovers, type ResourceScope, scopeForNeed } from './scope.js';
import { loadSigningKey, type SigningKey } from './signing-key.js';
import { handleTokenEndpoint } from './token-endpoint.js';
import type { AccessNeed, Authorizer, AuthResult } from './types.js';

export interface TokenAuthorizerOptions {
  /**
   * The token endpoint's URL, sent in challenges; its path is where handleTokenRequest answers.
   * A bare path ("/token") is completed from each request's Host, for servers that learn their
   * address only once listening.
   */
  realm: string;
  /** Names this registry: the token's `aud`, and clients echo it in token requests. */
  service: string;
  /** The token's `iss`. */
  issuer: string;
  /** Users who may log in; without it every client is anonymous. */
  htpasswdFile?: string;
  /** Rights; without rules every authenticated user may pull, push and delete everywhere. */
  access?: AccessRule[];
  /** PEM private key (EC P-256 or RSA); generated at start when absent. */
  key?: string | KeyObject;
  /** Token lifetime, seconds (default 300, as distribution's token server). */
  expiresIn?: number;
  /** Milliseconds since the epoch; tests move time with it. */
  now?: () => number;
}

export interface TokenAuthorizer extends Authorizer {
  handleTokenRequest: NonNullable<Authorizer['handleTokenRequest']>;
  /** Signs a token for `user` (undefined: anonymous) holding exactly `access`. */
  issueToken(
    user: string | undefined,
    access: ResourceScope[],
  ): Promise<{ token: string; expiresIn: number; issuedAt: Date }>;
  readonly signingKey: SigningKey;
}

export function createTokenAuthorizer(opts: TokenAuthorizerOptions): TokenAuthorizer {
  const key = loadSigningKey(opts.key);
  const htpasswd = opts.htpasswdFile === undefined ? undefined : new Htpasswd(opts.htpasswdFile);
  const now = opts.now ?? Date.now;
  const ttl = opts.expiresIn ?? 300;
  const realmPath = opts.realm.startsWith('/') ? opts.realm : new URL(opts.realm).pathname;

  function realmFor(req: IncomingMessage): string {
    if (!opts.realm.startsWith('/')) return opts.realm;
    const tls = (req.socket as { encrypted?: boolean }).encrypted === true;
    return `${tls ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}${opts.realm}`;
  }

  function unauthorized(req: IncomingMessage, need: AccessNeed, error?: string, message?: string): AuthResult {
    const scope = scopeForNeed(need);
    let challenge = `Bearer realm=${quote(realmFor(req))},service=${quote(opts.service)}`;
    if (scope) challenge += `,scope=${quote(scope)}`;
    if (error) challenge += `,error=${quote(error)}`;
    return {
      ok: false,
      status: 401,
      headers: { 'WWW-Authenticate': challenge },
      error: new RegistryError('UNAUTHORIZED', message),
    };
  }

  async function issueToken(user: string | undefined, access: ResourceScope[]) {
    const issuedAt = new Date(now());
    const iat = Math.floor(issuedAt.getTime() / 1000);
    const token = await new SignJWT({ access })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
      .setIssuer(opts.issuer)
      .setSubject(user ?? '')
      .setAudience(opts.service)
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(iat + ttl)
      .setJti(randomUUID())
      .sign(key.privateKey);
    return { token, expiresIn: ttl, issuedAt };
  }

  return {
    signingKey: key,
    issueToken,

    async authorize(req, need) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
      if (!m?.[1]) return unauthorized(req, need);
      let payload: Record<string, unknown>;
      try {
        const verified = await jwtVerify(m[1], key.publicKey, {
          issuer: opts.issuer,
          audience: opts.service,
          algorithms: [key.alg],
          currentDate: new Date(now()),
          requiredClaims: ['exp', 'iat', 'sub'],
        });
        if (verified.protectedHeader.kid !== key.kid) throw new Error('unknown kid');
        payload = verified.payload as Record<string, unknown>;
      } catch (err) {
        return unauthorized(req, need, 'invalid_token', `invalid token: ${(err as Error).message}`);
      }
      // Too little in the token is a 401 again: the client fetches a new token for the scope we name.
      if (!accessCovers(payload.access, need)) return unauthorized(req, need, 'insufficient_scope');
      const sub = typeof payload.sub === 'string' && payload.sub !== '' ? payload.sub : undefined;
      return sub === undefined ? { ok: true } : { ok: true, user: sub };
    },

    handleTokenRequest(req, res) {
      return handleTokenEndpoint(req, res, {
        path: realmPath,
        service: opts.service,
        htpasswd,
        access: opts.access,
        issueToken,
      });
    },
  };
}
