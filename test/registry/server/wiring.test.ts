/** Authorizer, token endpoint and web hooks; config files; shutdown. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { RegistryError } from '../../../src/registry/api/errors.js';
import type { AccessNeed, Authorizer } from '../../../src/registry/auth/types.js';
import { loadConfig, parseConfig } from '../../../src/registry/config.js';
import { tempDir } from '../../helpers/fixtures.js';
import { errorCode, pushBlob, testRegistry } from './helpers.js';

describe('registry server: authorizer and web hooks', async () => {
  const needs: AccessNeed[] = [];
  const authorizer: Authorizer = {
    async authorize(req, need) {
      needs.push(need);
      if (req.headers.authorization === 'let-me-in') return { ok: true, user: 'alice' };
      return {
        ok: false,
        status: 401,
        headers: { 'WWW-Authenticate': 'Basic realm="test"' },
        error: new RegistryError('UNAUTHORIZED'),
      };
    },
    async handleTokenRequest(req, res) {
      if (!req.url?.startsWith('/token')) return false;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"token":"t"}');
      return true;
    },
  };
  const reg = await testRegistry('memory', () => {}, {
    authorizer,
    web: async (req, res) => {
      if (req.url !== '/') return false;
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<h1>hull</h1>');
      return true;
    },
  });
  const auth = { headers: { Authorization: 'let-me-in' } };

  test('a refused request gets the authorizer status, headers and error body', async () => {
    const res = await reg.req('GET', '/v2/');
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), 'Basic realm="test"');
    assert.equal(errorCode(res), 'UNAUTHORIZED');
    assert.equal(res.headers.get('docker-distribution-api-version'), 'registry/2.0');
  });

  test('each route asks for the right access; the user is logged', async () => {
    needs.length = 0;
    await reg.req('GET', '/v2/', auth);
    await reg.req('GET', '/v2/_catalog', auth);
    await reg.req('GET', '/v2/r/manifests/x', auth);
    await reg.req('POST', '/v2/r/blobs/uploads/', auth);
    await reg.req('DELETE', '/v2/r/manifests/x', auth);
    assert.deepEqual(needs, [
      { base: true },
      { catalog: true },
      { repository: 'r', actions: ['pull'] },
      { repository: 'r', actions: ['pull', 'push'] },
      { repository: 'r', actions: ['delete'] },
    ]);
    assert.equal(reg.logs.at(-1)!.user, 'alice');
  });

  test('a mount from a repository the client may not pull from falls back to a session', async () => {
    const digest = await pushBlob({ ...reg, req: (m, p, o = {}) => reg.req(m, p, { ...o, ...auth }) }, 'src', 'x');
    const deny: Authorizer = {
      async authorize(_req, need) {
        if ('repository' in need && need.repository === 'src')
          return { ok: false, status: 403, headers: {}, error: new RegistryError('DENIED') };
        return { ok: true };
      },
    };
    const other = await testRegistry('memory', () => {}, { authorizer: deny, store: reg.store });
    const res = await other.req('POST', `/v2/dst/blobs/uploads/?mount=${digest}&from=src`);
    assert.equal(res.status, 202);
  });

  test('non-/v2/ paths go to the token endpoint, then the web page, else 404', async () => {
    assert.equal((await reg.req('GET', '/token?service=x')).json().token, 't');
    assert.equal((await reg.req('GET', '/')).body.toString(), '<h1>hull</h1>');
    assert.equal((await reg.req('GET', '/elsewhere')).status, 404);
  });
});

describe('registry config', () => {
  const dir = tempDir();

  test('YAML and JSON files set every key; flags override the file', () => {
    const yaml = join(dir, 'c.yaml');
    writeFileSync(
      yaml,
      [
        'addr: 0.0.0.0:6000',
        'root: /srv/reg',
        'tls: {cert: /c.pem, key: /k.pem}',
        'auth:',
        '  htpasswd: /etc/htpasswd',
        '  token: {realm: /token, issuer: hull, service: reg, key: /tk.pem}',
        '  access:',
        '    - {repository: "team/*", users: [bob], actions: [pull, push]}',
        'deletes: {enabled: true}',
        'limits: {manifestBytes: 1000, bodyTimeoutMs: 5000}',
        'log: {quiet: true}',
      ].join('\n'),
    );
    const c = loadConfig(yaml);
    assert.equal(c.addr, '0.0.0.0:6000');
    assert.equal(c.root, '/srv/reg');
    assert.deepEqual(c.tls, { cert: '/c.pem', key: '/k.pem' });
    assert.equal(c.auth?.token?.service, 'reg');
    assert.deepEqual(c.auth?.access, [{ repository: 'team/*', users: ['bob'], actions: ['pull', 'push'] }]);
    assert.equal(c.deletes.enabled, true);
    assert.deepEqual(c.limits, { manifestBytes: 1000, bodyTimeoutMs: 5000 });
    assert.equal(c.log.quiet, true);
    const o = loadConfig(yaml, { addr: '127.0.0.1:7000', root: '/other', htpasswd: '/h2' });
    assert.equal(o.addr, '127.0.0.1:7000');
    assert.equal(o.root, '/other');
    assert.equal(o.auth?.htpasswd, '/h2');
    assert.equal(o.auth?.token?.issuer, 'hull');
    const json = join(dir, 'c.json');
    writeFileSync(json, JSON.stringify({ deletes: { enabled: true } }));
    assert.equal(loadConfig(json).deletes.enabled, true);
    assert.equal(loadConfig(undefined).root, '/var/lib/hull/registry');
  });

  test('errors name the file and the key', () => {
    assert.throws(() => parseConfig('delete: {enabled: true}', 'reg.yaml'), /reg\.yaml: delete: unknown key/);
    assert.throws(() => parseConfig('limits: {manifestBytes: -1}', 'reg.yaml'), /reg\.yaml: limits\.manifestBytes:/);
    assert.throws(() => parseConfig('addr: nope', 'reg.yaml'), /reg\.yaml: addr:/);
    assert.throws(() => parseConfig('tls: {cert: /c}', 'reg.yaml'), /reg\.yaml: tls: needs both/);
    assert.throws(
      () => parseConfig('auth: {access: [{repository: x, users: [a], actions: [fly]}]}', 'r.yml'),
      /r\.yml: auth\.access\[0\]\.actions: 'fly'/,
    );
    assert.throws(() => parseConfig('a: [', 'bad.yaml'), /bad\.yaml: not valid YAML/);
    assert.throws(() => loadConfig(join(dir, 'missing.yaml')), /missing\.yaml: cannot read config/);
  });
});

describe('registry server: graceful close', () => {
  test('close() lets an in-flight upload finish, then stops accepting', async () => {
    const reg = await testRegistry('memory');
    const start = await reg.req('POST', '/v2/g/blobs/uploads/');
    const location = start.headers.get('location')!;
    const { request } = await import('node:http');
    const body = Buffer.alloc(1000, 'z');
    const done = new Promise<number>((resolve, reject) => {
      const r = request(
        new URL(reg.url + location),
        { method: 'PATCH', headers: { 'Content-Length': '1000' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      r.on('error', reject);
      r.write(body.subarray(0, 500));
      setTimeout(() => r.end(body.subarray(500)), 200);
    });
    await new Promise((r) => setTimeout(r, 50));
    const closed = reg.close(5000);
    assert.equal(await done, 202);
    await closed;
    await assert.rejects(fetch(`${reg.url}/v2/`));
  });
});
