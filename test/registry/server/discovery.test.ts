/** Tags (end-8a/8b), referrers (end-12a/12b) and /v2/_catalog over real HTTP. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { digestOf } from '../../../src/oci/digest.js';
import { MediaType } from '../../../src/oci/media-types.js';
import { errorCode, pushBlob, pushImage, storeKinds, type TestRegistry, testRegistry } from './helpers.js';

async function walk(reg: TestRegistry, first: string, key: 'tags' | 'repositories'): Promise<string[][]> {
  const pages: string[][] = [];
  let next: string | undefined = first;
  while (next) {
    const res = await reg.req('GET', next);
    assert.equal(res.status, 200);
    pages.push(res.json()[key]);
    const link = res.headers.get('link');
    next = link ? /^<([^>]+)>; rel="next"$/.exec(link)![1] : undefined;
    assert.ok(pages.length < 20);
  }
  return pages;
}

for (const kind of storeKinds)
  describe(`registry server: tags, catalog, referrers (${kind} store)`, async () => {
    const reg = await testRegistry(kind);
    const tags = ['a', 'b', 'c', 'd', 'e'];
    const img = await pushImage(reg, 'disc/app', 'a');
    for (const t of tags.slice(1))
      await reg.req('PUT', `/v2/disc/app/manifests/${t}`, {
        body: img.bytes,
        headers: { 'Content-Type': MediaType.imageManifest },
      });
    await pushBlob(reg, 'disc/zz', 'x');
    await pushBlob(reg, 'disc/other', 'x');

    test('tags list: all tags in lexical order', async () => {
      const res = await reg.req('GET', '/v2/disc/app/tags/list');
      assert.deepEqual(res.json(), { name: 'disc/app', tags });
      assert.equal(res.headers.get('link'), null);
    });

    test('n=0 is an empty list without Link', async () => {
      const res = await reg.req('GET', '/v2/disc/app/tags/list?n=0');
      assert.deepEqual(res.json().tags, []);
      assert.equal(res.headers.get('link'), null);
    });

    test('n=1 walks every tag by Link, one per page, no Link on the last page', async () => {
      const pages = await walk(reg, '/v2/disc/app/tags/list?n=1', 'tags');
      assert.deepEqual(
        pages,
        tags.map((t) => [t]),
      );
    });

    test('n=2 pages; exactly n left gives no Link; last beyond the end is empty', async () => {
      assert.deepEqual(await walk(reg, '/v2/disc/app/tags/list?n=2', 'tags'), [['a', 'b'], ['c', 'd'], ['e']]);
      const exact = await reg.req('GET', '/v2/disc/app/tags/list?n=2&last=c');
      assert.deepEqual(exact.json().tags, ['d', 'e']);
      assert.equal(exact.headers.get('link'), null);
      const beyond = await reg.req('GET', '/v2/disc/app/tags/list?n=2&last=zzz');
      assert.deepEqual(beyond.json().tags, []);
      const lastOnly = await reg.req('GET', '/v2/disc/app/tags/list?last=c');
      assert.deepEqual(lastOnly.json().tags, ['d', 'e']);
      const big = await reg.req('GET', '/v2/disc/app/tags/list?n=100');
      assert.deepEqual(big.json().tags, tags);
    });

    test('a bad n is 400; an unknown repository is 404 NAME_UNKNOWN', async () => {
      assert.equal((await reg.req('GET', '/v2/disc/app/tags/list?n=-1')).status, 400);
      assert.equal((await reg.req('GET', '/v2/disc/app/tags/list?n=abc')).status, 400);
      const res = await reg.req('GET', '/v2/no/such/tags/list');
      assert.equal(res.status, 404);
      assert.equal(errorCode(res), 'NAME_UNKNOWN');
    });

    test('catalog lists repositories with n/last and Link', async () => {
      const all = (await reg.req('GET', '/v2/_catalog')).json().repositories;
      assert.deepEqual(all, ['disc/app', 'disc/other', 'disc/zz']);
      assert.deepEqual(await walk(reg, '/v2/_catalog?n=2', 'repositories'), [['disc/app', 'disc/other'], ['disc/zz']]);
      assert.deepEqual((await reg.req('GET', '/v2/_catalog?n=0')).json().repositories, []);
    });

    test('referrers: an index of manifests whose subject is the digest, filtered by artifactType', async () => {
      const subject = { mediaType: MediaType.imageManifest, digest: img.digest, size: img.bytes.length };
      const empty = await pushBlob(reg, 'disc/app', '{}');
      const artifact = (artifactType: string | undefined, n: string) => ({
        schemaVersion: 2,
        mediaType: MediaType.imageManifest,
        ...(artifactType ? { artifactType } : {}),
        config: artifactType
          ? { mediaType: MediaType.emptyJSON, digest: empty, size: 2 }
          : { mediaType: 'application/vnd.example.config', digest: empty, size: 2 },
        layers: [{ mediaType: MediaType.emptyJSON, digest: empty, size: 2 }],
        subject,
        annotations: { n },
      });
      const pushed: string[] = [];
      for (const [type, n] of [
        ['application/vnd.example.sbom', '1'],
        ['application/vnd.example.sig', '2'],
        [undefined, '3'],
      ] as const) {
        const body = JSON.stringify(artifact(type, n));
        const res = await reg.req('PUT', `/v2/disc/app/manifests/${digestOf(body)}`, {
          body,
          headers: { 'Content-Type': MediaType.imageManifest },
        });
        assert.equal(res.status, 201);
        pushed.push(digestOf(body));
      }
      const all = await reg.req('GET', `/v2/disc/app/referrers/${img.digest}`);
      assert.equal(all.status, 200);
      assert.equal(all.headers.get('content-type'), MediaType.imageIndex);
      assert.equal(all.headers.get('oci-filters-applied'), null);
      const index = all.json();
      assert.equal(index.mediaType, MediaType.imageIndex);
      assert.deepEqual(index.manifests.map((d: { digest: string }) => d.digest).sort(), [...pushed].sort());
      const types = index.manifests.map((d: { artifactType: string }) => d.artifactType).sort();
      // Without artifactType the config's mediaType stands in (spec.md#listing-referrers).
      assert.deepEqual(types, [
        'application/vnd.example.config',
        'application/vnd.example.sbom',
        'application/vnd.example.sig',
      ]);
      assert.ok(index.manifests.every((d: { annotations: object }) => d.annotations));

      const filtered = await reg.req(
        'GET',
        `/v2/disc/app/referrers/${img.digest}?artifactType=application/vnd.example.sig`,
      );
      assert.equal(filtered.headers.get('oci-filters-applied'), 'artifactType');
      assert.deepEqual(
        filtered.json().manifests.map((d: { digest: string }) => d.digest),
        [pushed[1]],
      );
    });

    test('referrers of a digest with none (or in an unknown repository) is an empty index, 200', async () => {
      for (const path of [`/v2/disc/app/referrers/${digestOf('lonely')}`, `/v2/no/repo/referrers/${digestOf('x')}`]) {
        const res = await reg.req('GET', path);
        assert.equal(res.status, 200);
        assert.deepEqual(res.json(), { schemaVersion: 2, mediaType: MediaType.imageIndex, manifests: [] });
      }
    });

    test('referrers with a digest that does not parse is 400 DIGEST_INVALID', async () => {
      const res = await reg.req('GET', '/v2/disc/app/referrers/sha256:nothex');
      assert.equal(res.status, 400);
      assert.equal(errorCode(res), 'DIGEST_INVALID');
    });
  });
