/**
 * Builds the Authorizer the config asks for: token auth (auth.token) when configured, else HTTP
 * Basic against auth.htpasswd, else none (an open registry, like docker-registry without auth).
 */
import { readFileSync } from 'node:fs';
import { HullError } from '../../errors.js';
import { type AccessRule, createBasicAuthorizer, createTokenAuthorizer, validateAccessRules } from '../auth/index.js';
import type { Authorizer } from '../auth/types.js';
import type { RegistryConfig } from '../config.js';

export function authorizerFromConfig(config: RegistryConfig): Authorizer | undefined {
  const auth = config.auth;
  if (!auth || (!auth.token && !auth.htpasswd)) return undefined;
  let access: AccessRule[] | undefined;
  try {
    access = auth.access ? validateAccessRules(auth.access) : undefined;
  } catch (err) {
    throw new HullError('CONFIG_INVALID', `auth.${(err as Error).message}`);
  }
  if (auth.token) {
    const t = auth.token;
    if (!t.key)
      throw new HullError(
        'CONFIG_INVALID',
        'auth.token.certificate: verifying tokens from another token server is not supported; give auth.token.key',
      );
    return createTokenAuthorizer({
      realm: t.realm,
      service: t.service,
      issuer: t.issuer,
      key: readFileSync(t.key, 'utf8'),
      ...(t.expirySeconds ? { expiresIn: t.expirySeconds } : {}),
      ...(auth.htpasswd ? { htpasswdFile: auth.htpasswd } : {}),
      ...(access ? { access } : {}),
    });
  }
  return createBasicAuthorizer({
    htpasswdFile: auth.htpasswd!,
    realm: auth.realm ?? 'hull registry',
    ...(access ? { access } : {}),
  });
}
