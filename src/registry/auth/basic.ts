/**
 * HTTP Basic authentication against an htpasswd file, as docker-registry's `auth: htpasswd`:
 * every request carries the credentials, a missing or wrong one is answered 401 with a Basic
 * challenge (the /v2/ base check included — that 401 is what makes `podman login` send them).
 */
import { RegistryError } from '../api/errors.js';
import type { AccessRule } from './access.js';
import { permits, quote } from './decide.js';
import { Htpasswd, parseBasicAuth } from './htpasswd.js';
import type { AccessNeed, Authorizer, AuthResult } from './types.js';

export interface BasicAuthorizerOptions {
  htpasswdFile: string;
  realm: string;
  /** Rights; without rules every authenticated user may pull, push and delete everywhere. */
  access?: AccessRule[];
}

export function createBasicAuthorizer(opts: BasicAuthorizerOptions): Authorizer {
  const htpasswd = new Htpasswd(opts.htpasswdFile);
  const challenge = { 'WWW-Authenticate': `Basic realm=${quote(opts.realm)}` };
  const unauthorized = (message?: string): AuthResult => ({
    ok: false,
    status: 401,
    headers: { ...challenge },
    error: new RegistryError('UNAUTHORIZED', message),
  });

  return {
    async authorize(req, need: AccessNeed): Promise<AuthResult> {
      const creds = parseBasicAuth(req.headers.authorization);
      let user: string | undefined;
      if (creds) {
        if (!(await htpasswd.verify(creds.user, creds.password))) return unauthorized('invalid username or password');
        user = creds.user;
      }
      if (permits(opts.access, user, need)) return user === undefined ? { ok: true } : { ok: true, user };
      // Anonymous clients are asked to log in; a logged-in user lacking rights is refused outright.
      if (user === undefined) return unauthorized();
      return { ok: false, status: 403, headers: {}, error: new RegistryError('DENIED') };
    },
  };
}
