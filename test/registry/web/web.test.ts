import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MediaType } from '../../../src/oci/media-types.js';
import { createBasicAuthorizer } from '../../../src/registry/auth/basic.js';
import { createWebHandler } from '../../../src/registry/web/handler.js';
import { escapeHtml, Html, html } from '../../../src/registry/web/html.js';
import { tempDir } from '../../helpers/fixtures.js';
import { basic, writeHtpasswd } from '../auth/helpers.js';
import { MemoryStore } from './memory-store.js';
import { serveWeb } from './serve.js';

const EVIL = `<script>alert("x")</script>&'`;

function sampleStore(): MemoryStore {
  const store = new MemoryStore();
  const img = store.addImage('team/app', 'v1', { created: '2024-05-06T07:08:09Z', architecture: 'arm64' });
  store.addImage('team/app', 'v2');
  store.addManifest(
    'team/app',
    {
      schemaVersion: 2,
      mediaType: MediaType.imageIndex,
      manifests: [{ ...img, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } }],
    },
    'multi',
  );
  const empty = store.addBlob('team/app', '{}', MediaType.emptyJSON);
  store.addManifest('team/app', {
    schemaVersion: 2,
    mediaType: MediaType.imageManifest,
    artifactType: 'application/vnd.example.sbom',
    config: empty,
    layers: [empty],
    subject: img,
  });
  store.addImage('other', 'latest');
  return store;
}

describe('web page', () => {
  it('escapes every interpolated value, but not nested html', () => {
    assert.equal(escapeHtml(EVIL), '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;');
    const inner = html`<b>${EVIL}</b>`;
    assert.equal(html`<p title="${EVIL}">${inner}${[EVIL, 1]}</p>`.text.includes('<script>'), false);
    assert.equal(html`${inner}`.text.startsWith('<b>&lt;script'), true);
    assert.equal(html`${new Html('<i>')}${null}${undefined}${false}`.text, '<i>');
  });

  it('lists repositories with tag counts', async () => {
    const base = await serveWeb(createWebHandler(), sampleStore());
    const res = await fetch(`${base}/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    const body = await res.text();
    assert.match(body, /<a href="\/ui\/repo\/team\/app">team\/app<\/a><\/td><td>3<\/td>/);
    assert.match(body, /<a href="\/ui\/repo\/other">other<\/a><\/td><td>1<\/td>/);
    assert.doesNotMatch(body, /<script/i);
  });

  it('shows tags with digests, media types, sizes, created, platforms and referrers', async () => {
    const store = sampleStore();
    const base = await serveWeb(createWebHandler(), store);
    const body = await (await fetch(`${base}/ui/repo/team/app`)).text();
    const v1 = await store.getManifest('team/app', 'v1');
    assert.ok(v1);
    assert.ok(body.includes(`title="${v1.digest}"`), 'full digest of v1');
    assert.ok(body.includes('2024-05-06T07:08:09Z'), 'created from the config');
    assert.ok(body.includes('linux/arm64'), 'platform from the config');
    assert.ok(body.includes(MediaType.imageManifest));
    assert.ok(body.includes('application/vnd.example.sbom'), 'referrer of v1');
    assert.ok(body.includes('index <span class="muted">(1 manifests)</span>'));
    assert.ok(body.includes('linux/arm64/v8'), 'platform of the index child');
    assert.match(body, /\d+ B <span class="muted">\(1 layers\)<\/span>/);
    for (const tag of ['v1', 'v2', 'multi']) assert.ok(body.includes(`<td>${tag}</td>`), tag);
  });

  it('escapes hostile names, tags, media types and artifact types', async () => {
    const store = new MemoryStore();
    // The stub does not validate, so content the server would reject can still be thrown at the page.
    const img = store.addImage('evil', EVIL);
    const cfg = store.addBlob('evil', '{}', EVIL);
    store.addManifest('evil', {
      schemaVersion: 2,
      mediaType: MediaType.imageManifest,
      artifactType: EVIL,
      config: cfg,
      layers: [],
      subject: img,
    });
    store.addManifest('evil', { schemaVersion: 2, mediaType: EVIL, config: cfg, layers: [] }, 'weird');
    const base = await serveWeb(createWebHandler(), store);
    for (const path of ['/', '/ui/repo/evil']) {
      const body = await (await fetch(`${base}${path}`)).text();
      assert.doesNotMatch(body, /<script/i, path);
      if (path !== '/') assert.ok(body.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;'), path);
    }
  });

  it('pages through thousands of tags', async () => {
    const store = new MemoryStore();
    const img = store.addImage('big', 'zz-seed');
    const r = store.repos.get('big');
    assert.ok(r);
    for (let i = 0; i < 3000; i++) r.tags.set(`t${String(i).padStart(4, '0')}`, img.digest);
    const base = await serveWeb(createWebHandler(), store);
    const first = await (await fetch(`${base}/ui/repo/big`)).text();
    assert.equal(first.match(/<tr><td>/g)?.length, 100);
    assert.match(first, /Showing 100 tags; more follow\./);
    assert.match(first, /href="\/ui\/repo\/big\?last=t0099&amp;n=100"/);
    const second = await (await fetch(`${base}/ui/repo/big?last=t0099&n=100`)).text();
    assert.ok(second.includes('<td>t0100</td>') && !second.includes('<td>t0099</td>'));
    const capped = await (await fetch(`${base}/ui/repo/big?n=100000`)).text();
    assert.equal(capped.match(/<tr><td>/g)?.length, 1000, 'n is capped');
    const index = await (await fetch(`${base}/`)).text();
    assert.match(index, /<td>3001<\/td>/);
  });

  it('HEAD has the headers without a body; other methods and paths are not handled', async () => {
    const base = await serveWeb(createWebHandler(), sampleStore());
    const get = await fetch(`${base}/ui/repo/other`);
    const head = await fetch(`${base}/ui/repo/other`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), get.headers.get('content-length'));
    assert.equal(await head.text(), '');
    for (const [method, path] of [
      ['POST', '/'],
      ['DELETE', '/ui/repo/other'],
      ['GET', '/v2/'],
      ['GET', '/favicon.ico'],
    ] as const) {
      const r = await fetch(`${base}${path}`, { method });
      assert.equal(r.headers.get('x-not-handled'), '1', `${method} ${path}`);
    }
    assert.equal((await fetch(`${base}/ui/repo/missing`)).status, 404);
    assert.equal((await fetch(`${base}/ui/repo/Bad..Name`)).status, 404);
  });

  it('asks the authorizer first when given one', async () => {
    const htpasswdFile = writeHtpasswd(tempDir(), { alice: 'secret' });
    const authorizer = createBasicAuthorizer({
      htpasswdFile,
      realm: 'hull',
      access: [
        { repository: 'team/*', users: ['alice'], actions: ['pull'] },
        { repository: 'other', anonymous: true, actions: ['pull'] },
      ],
    });
    const base = await serveWeb(createWebHandler({ authorizer }), sampleStore());
    const anon = await fetch(`${base}/`);
    assert.equal(anon.status, 401);
    assert.equal(anon.headers.get('www-authenticate'), 'Basic realm="hull"');
    assert.equal((await fetch(`${base}/ui/repo/other`)).status, 200, 'anonymous pull right');
    assert.equal((await fetch(`${base}/ui/repo/team/app`)).status, 401);
    const authorization = basic('alice', 'secret');
    assert.equal((await fetch(`${base}/`, { headers: { authorization } })).status, 200);
    assert.equal((await fetch(`${base}/ui/repo/team/app`, { headers: { authorization } })).status, 200);
  });
});
