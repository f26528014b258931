import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createBasicAuthorizer } from '../../../src/registry/auth/basic.js';
import { tempDir } from '../../helpers/fixtures.js';
import { basic, fakeRequest, writeHtpasswd } from './helpers.js';

describe('basic authorizer', () => {
  const dir = tempDir();
  const htpasswdFile = writeHtpasswd(dir, { alice: 'secret', bob: 'hunter2' });
  const auth = createBasicAuthorizer({
    htpasswdFile,
    realm: 'hull "registry"',
    access: [
      { repository: 'team/*', users: ['alice'], actions: ['pull', 'push'] },
      { repository: 'public/*', anonymous: true, actions: ['pull'] },
    ],
  });
  const challenge = 'Basic realm="hull \\"registry\\""';

  for (const [what, headers] of [
    ['missing', {}],
    ['wrong', { authorization: basic('alice', 'nope') }],
    ['unknown user', { authorization: basic('mallory', 'secret') }],
  ] as const) {
    it(`${what} credentials: 401 with a Basic challenge, on the base check too`, async () => {
      for (const need of [{ base: true } as const, { repository: 'team/app', actions: ['pull' as const] }]) {
        const r = await auth.authorize(fakeRequest(headers), need);
        assert.equal(r.ok, false);
        if (r.ok) return;
        assert.equal(r.status, 401);
        assert.deepEqual(r.headers, { 'WWW-Authenticate': challenge });
        assert.equal(r.error.descriptor.code, 'UNAUTHORIZED');
      }
    });
  }

  it('right credentials: ok with the user', async () => {
    const headers = { authorization: basic('alice', 'secret') };
    assert.deepEqual(await auth.authorize(fakeRequest(headers), { base: true }), { ok: true, user: 'alice' });
    assert.deepEqual(
      await auth.authorize(fakeRequest(headers), { repository: 'team/app', actions: ['pull', 'push'] }),
      {
        ok: true,
        user: 'alice',
      },
    );
    assert.deepEqual(await auth.authorize(fakeRequest(headers), { catalog: true }), { ok: true, user: 'alice' });
  });

  it('authenticated without the right: 403 DENIED', async () => {
    const r = await auth.authorize(fakeRequest({ authorization: basic('bob', 'hunter2') }), {
      repository: 'team/app',
      actions: ['push'],
    });
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.status, 403);
    assert.equal(r.error.descriptor.code, 'DENIED');
  });

  it('anonymous: allowed where a rule says so, else asked to log in; never the catalog', async () => {
    assert.deepEqual(await auth.authorize(fakeRequest(), { repository: 'public/x', actions: ['pull'] }), { ok: true });
    const push = await auth.authorize(fakeRequest(), { repository: 'public/x', actions: ['pull', 'push'] });
    assert.equal(!push.ok && push.status, 401);
    const cat = await auth.authorize(fakeRequest(), { catalog: true });
    assert.equal(!cat.ok && cat.status, 401);
  });

  it('default rules: any logged-in user may push and delete anywhere', async () => {
    const open = createBasicAuthorizer({ htpasswdFile, realm: 'r' });
    const r = await open.authorize(fakeRequest({ authorization: basic('bob', 'hunter2') }), {
      repository: 'x/y',
      actions: ['pull', 'push', 'delete'],
    });
    assert.deepEqual(r, { ok: true, user: 'bob' });
    const anon = await open.authorize(fakeRequest(), { repository: 'x/y', actions: ['pull'] });
    assert.equal(!anon.ok && anon.status, 401);
  });
});
