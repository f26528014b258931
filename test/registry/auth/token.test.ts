import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import { parseScopes } from '../../../src/registry/auth/scope.js';
import { createTokenAuthorizer } from '../../../src/registry/auth/token.js';
import { tempDir } from '../../helpers/fixtures.js';
import { basic, fakeRequest, serveAuthorizer, writeHtpasswd } from './helpers.js';

const access = [
  { repository: 'team/*', users: ['alice'], actions: ['pull' as const, 'push' as const] },
  { repository: 'public/*', anonymous: true, actions: ['pull' as const] },
];

function setup(extra: Partial<Parameters<typeof createTokenAuthorizer>[0]> = {}) {
  const dir = tempDir();
  const htpasswdFile = writeHtpasswd(dir, { alice: 'secret', bob: 'pw' });
  return createTokenAuthorizer({
    realm: '/token',
    service: 'hull-test',
    issuer: 'hull-issuer',
    htpasswdFile,
    access,
    ...extra,
  });
}

async function getToken(base: string, query: string, authorization?: string): Promise<Response> {
  return fetch(`${base}/token?${query}`, { headers: authorization ? { authorization } : {} });
}

async function tokenOf(res: Response): Promise<string> {
  assert.equal(res.status, 200, await res.clone().text());
  const body = (await res.json()) as { token: string; access_token: string; expires_in: number; issued_at: string };
  assert.equal(body.token, body.access_token);
  assert.equal(body.expires_in, 300);
  assert.ok(!Number.isNaN(Date.parse(body.issued_at)));
  return body.token;
}

describe('token authentication', () => {
  it('challenges with realm, service and scope', async () => {
    const auth = setup();
    const r = await auth.authorize(fakeRequest(), { repository: 'team/app', actions: ['pull', 'push'] });
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.status, 401);
    assert.equal(
      r.headers['WWW-Authenticate'],
      'Bearer realm="http://127.0.0.1:5000/token",service="hull-test",scope="repository:team/app:pull,push"',
    );
    const base = await auth.authorize(fakeRequest(), { base: true });
    assert.equal(
      !base.ok && base.headers['WWW-Authenticate'],
      'Bearer realm="http://127.0.0.1:5000/token",service="hull-test"',
    );
    const cat = await auth.authorize(fakeRequest(), { catalog: true });
    assert.match(!cat.ok ? (cat.headers['WWW-Authenticate'] ?? '') : '', /scope="registry:catalog:\*"$/);
    const absolute = setup({ realm: 'https://auth.example/v1/token' });
    const r2 = await absolute.authorize(fakeRequest(), { base: true });
    assert.match(
      !r2.ok ? (r2.headers['WWW-Authenticate'] ?? '') : '',
      /^Bearer realm="https:\/\/auth.example\/v1\/token"/,
    );
  });

  it('issues signed tokens holding the intersection of scopes asked and rights', async () => {
    const auth = setup();
    const base = await serveAuthorizer(auth);
    const token = await tokenOf(
      await getToken(
        base,
        'service=hull-test&scope=repository:team/app:pull,push,delete&scope=repository:other/x:pull&scope=repository:public/p:pull,push&scope=registry:catalog:*',
        basic('alice', 'secret'),
      ),
    );
    const header = decodeProtectedHeader(token);
    assert.equal(header.alg, 'ES256');
    assert.equal(header.kid, auth.signingKey.kid);
    const claims = decodeJwt(token);
    assert.equal(claims.iss, 'hull-issuer');
    assert.equal(claims.sub, 'alice');
    assert.equal(claims.aud, 'hull-test');
    assert.equal((claims.exp ?? 0) - (claims.iat ?? 0), 300);
    assert.equal(claims.nbf, claims.iat);
    assert.ok(claims.jti);
    assert.deepEqual(claims.access, [
      { type: 'repository', name: 'team/app', actions: ['pull', 'push'] },
      { type: 'repository', name: 'public/p', actions: ['pull'] },
      { type: 'registry', name: 'catalog', actions: ['*'] },
    ]);

    const req = (t: string) => fakeRequest({ authorization: `Bearer ${t}` });
    assert.deepEqual(await auth.authorize(req(token), { repository: 'team/app', actions: ['pull', 'push'] }), {
      ok: true,
      user: 'alice',
    });
    assert.deepEqual(await auth.authorize(req(token), { base: true }), { ok: true, user: 'alice' });
    assert.deepEqual(await auth.authorize(req(token), { catalog: true }), { ok: true, user: 'alice' });
    const del = await auth.authorize(req(token), { repository: 'team/app', actions: ['delete'] });
    assert.equal(!del.ok && del.status, 401);
    assert.match(!del.ok ? (del.headers['WWW-Authenticate'] ?? '') : '', /error="insufficient_scope"/);
    const other = await auth.authorize(req(token), { repository: 'team/other', actions: ['pull'] });
    assert.equal(other.ok, false);
  });

  it('anonymous token requests get only anonymous rights; bad credentials get 401, not an anonymous token', async () => {
    const base = await serveAuthorizer(setup());
    const anon = decodeJwt(
      await tokenOf(
        await getToken(base, 'service=hull-test&scope=repository:public/p:pull,push&scope=repository:team/app:pull'),
      ),
    );
    assert.equal(anon.sub, '');
    assert.deepEqual(anon.access, [{ type: 'repository', name: 'public/p', actions: ['pull'] }]);

    const bad = await getToken(base, 'service=hull-test&scope=repository:public/p:pull', basic('alice', 'wrong'));
    assert.equal(bad.status, 401);
    assert.equal(((await bad.json()) as { errors: Array<{ code: string }> }).errors[0]?.code, 'UNAUTHORIZED');

    const otherService = await getToken(base, 'service=elsewhere&scope=repository:public/p:pull');
    assert.equal(otherService.status, 400);
  });

  it('POST: OAuth2 password grant', async () => {
    const base = await serveAuthorizer(setup());
    const form = (o: Record<string, string>) =>
      fetch(`${base}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(o).toString(),
      });
    const res = await form({
      grant_type: 'password',
      username: 'alice',
      password: 'secret',
      service: 'hull-test',
      client_id: 'containerd',
      scope: 'repository:team/app:pull,push repository:team/b:pull',
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { access_token: string; scope: string; token_type: string };
    assert.equal(body.scope, 'repository:team/app:pull,push repository:team/b:pull');
    assert.equal(decodeJwt(body.access_token).sub, 'alice');

    const wrong = await form({ grant_type: 'password', username: 'alice', password: 'x', service: 'hull-test' });
    assert.equal(wrong.status, 401);
    assert.equal(((await wrong.json()) as { error: string }).error, 'invalid_grant');
    const refresh = await form({ grant_type: 'refresh_token', refresh_token: 'x', service: 'hull-test' });
    assert.equal(refresh.status, 400);
  });

  it('rejects expired, foreign-audience, foreign-issuer, tampered and foreign-key tokens', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const auth = setup({ key: privateKey });
    const { kid } = auth.signingKey;
    const now = Math.floor(Date.now() / 1000);
    const grant = [{ type: 'repository', name: 'team/app', actions: ['pull'] }];
    const sign = (claims: Record<string, unknown>, key = privateKey, headerKid = kid) =>
      new SignJWT({ access: grant, ...claims })
        .setProtectedHeader({ alg: 'ES256', kid: headerKid })
        .setIssuer((claims.iss as string) ?? 'hull-issuer')
        .setSubject('alice')
        .setAudience((claims.aud as string) ?? 'hull-test')
        .setIssuedAt((claims.iat as number) ?? now)
        .setExpirationTime((claims.exp as number) ?? now + 300)
        .sign(key);
    const need = { repository: 'team/app', actions: ['pull' as const] };
    const check = (t: string) => auth.authorize(fakeRequest({ authorization: `Bearer ${t}` }), need);

    assert.deepEqual(await check(await sign({})), { ok: true, user: 'alice' }, 'a well-formed token passes');

    const good = await sign({});
    const [h, p, s] = good.split('.');
    const forged = Buffer.from(p ?? '', 'base64url')
      .toString()
      .replace('"pull"', '"push"');
    const cases: Record<string, string> = {
      expired: await sign({ iat: now - 600, exp: now - 300 }),
      'other service': await sign({ aud: 'another-registry' }),
      'other issuer': await sign({ iss: 'evil' }),
      'tampered payload': `${h}.${Buffer.from(forged).toString('base64url')}.${s}`,
      'tampered signature': `${h}.${p}.${(s ?? '').slice(0, -4)}AAAA`,
      'other key': await sign({}, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey),
      'unknown kid': await sign({}, privateKey, 'not-our-key'),
      garbage: 'not.a.jwt',
    };
    for (const [what, token] of Object.entries(cases)) {
      const r = await check(token);
      assert.equal(r.ok, false, what);
      if (r.ok) continue;
      assert.equal(r.status, 401, what);
      assert.match(r.headers['WWW-Authenticate'] ?? '', /error="invalid_token"/, what);
    }
  });

  it('tokens expire with the clock', async () => {
    let clock = Date.now();
    const auth = setup({ now: () => clock, expiresIn: 60 });
    const { token } = await auth.issueToken('alice', [{ type: 'repository', name: 'team/app', actions: ['pull'] }]);
    const need = { repository: 'team/app', actions: ['pull' as const] };
    const req = fakeRequest({ authorization: `Bearer ${token}` });
    assert.equal((await auth.authorize(req, need)).ok, true);
    clock += 61_000;
    assert.equal((await auth.authorize(req, need)).ok, false);
  });

  it('signs with a configured RSA key as RS256', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const auth = setup({ key: pem });
    assert.equal(auth.signingKey.alg, 'RS256');
    const { token } = await auth.issueToken(undefined, []);
    assert.equal(decodeProtectedHeader(token).alg, 'RS256');
    assert.deepEqual(await auth.authorize(fakeRequest({ authorization: `Bearer ${token}` }), { base: true }), {
      ok: true,
    });
    assert.throws(() => setup({ key: generateKeyPairSync('ed25519').privateKey }), /EC P-256 or RSA/);
  });

  it('parses scopes', () => {
    assert.deepEqual(
      parseScopes(['repository:a/b:pull,push registry:catalog:*', 'repository(plugin):c:pull', 'junk']),
      [
        { type: 'repository', name: 'a/b', actions: ['pull', 'push'] },
        { type: 'registry', name: 'catalog', actions: ['*'] },
        { type: 'repository', name: 'c', actions: ['pull'] },
      ],
    );
  });

  it('leaves other paths to the server', async () => {
    const auth = setup();
    const base = await serveAuthorizer(auth);
    const r = await fetch(`${base}/v2/`);
    assert.equal(r.status, 401);
    const bad = await fetch(`${base}/token`, { method: 'DELETE' });
    assert.equal(bad.status, 405);
  });
});
