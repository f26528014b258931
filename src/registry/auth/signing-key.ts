/**
 * The key the token endpoint signs with: from the config (a PEM private key, EC P-256 → ES256 or
 * RSA → RS256) or generated at start and kept only in memory — then tokens die with the process,
 * which is fine since they live minutes and the same process verifies them.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { HullError } from '../../errors.js';

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  alg: 'ES256' | 'RS256';
  /** RFC 7638 JWK thumbprint of the public key, sent as the JWT's `kid`. */
  kid: string;
}

export function loadSigningKey(key?: string | KeyObject): SigningKey {
  let privateKey: KeyObject;
  if (key === undefined) privateKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  else if (typeof key === 'string') privateKey = createPrivateKey(key);
  else privateKey = key;
  if (privateKey.type !== 'private')
    throw new HullError('TOKEN_KEY_INVALID', 'token signing key must be a private key');
  const publicKey = createPublicKey(privateKey);
  const jwk = publicKey.export({ format: 'jwk' });
  let alg: SigningKey['alg'];
  let members: Record<string, unknown>;
  if (privateKey.asymmetricKeyType === 'ec' && jwk.crv === 'P-256') {
    alg = 'ES256';
    members = { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
  } else if (privateKey.asymmetricKeyType === 'rsa') {
    alg = 'RS256';
    members = { e: jwk.e, kty: jwk.kty, n: jwk.n };
  } else {
    throw new HullError(
      'TOKEN_KEY_INVALID',
      `token signing key must be EC P-256 or RSA (got ${privateKey.asymmetricKeyType}${jwk.crv ? ` ${jwk.crv}` : ''})`,
    );
  }
  // Members in lexicographic order, no whitespace: RFC 7638 §3.
  const kid = createHash('sha256').update(JSON.stringify(members)).digest('base64url');
  return { privateKey, publicKey, alg, kid };
}
