/** Tags (end-8a/8b), referrers (end-12a/12b) and /v2/_catalog over real HTTP. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { digestOf } from '../../../src/oci/digest.js';
import { MediaType } from '../../../src/oci/media-types.js';
import {
  errorCode,
  type PushedImage,
  pushBlob,
  pushImage,
  storeKinds,
  type TestRegistry,
  testRegistry,
} from './helpers.js';

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

/** Pushes `count` artifacts whose subject is `target`, artifactType alternating even/odd; returns their digests. */
async function pushReferrers(reg: TestRegistry, repo: string, target: PushedImage, count: number): Promise<string[]> {
  const empty = await pushBlob(reg, repo, '{}');
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const body = JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.imageManifest,
      artifactType: `application/vnd.example.${i % 2 === 0 ? 'even' : 'odd'}`,
      config: { mediaType: MediaType.emptyJSON, digest: empty, size: 2 },
      layers: [{ mediaType: MediaType.emptyJSON, digest: empty, size: 2 }],
      subject: { mediaType: MediaType.imageManifest, digest: target.digest, size: target.bytes.length },
      annotations: { i: String(i) },
    });
    const res = await reg.req('PUT', `/v2/${repo}/manifests/${digestOf(body)}`, {
      body,
      headers: { 'Content-Type': MediaType.imageManifest },
    });
    assert.equal(res.status, 201);
    out.push(digestOf(body));
  }
  return out;
}

interface ReferrersPage {
  manifests: string[];
  filtered: string | null;
  bytes: number;
}

async function walkReferrers(reg: TestRegistry, first: string): Promise<ReferrersPage[]> {
  const pages: ReferrersPage[] = [];
  let next: string | undefined = first;
  while (next) {
    const res = await reg.req('GET', next);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), MediaType.imageIndex);
    pages.push({
      manifests: res.json().manifests.map((d: { digest: string }) => d.digest),
      filtered: res.headers.get('oci-filters-applied'),
      bytes: res.body.length,
    });
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

    test('referrers page with n and Link in digest order; the filter and its header carry across pages', async () => {
      const target = await pushImage(reg, 'disc/pager', 'v1', {}, 'pager');
      const digests = await pushReferrers(reg, 'disc/pager', target, 5);
      const pages = await walkReferrers(reg, `/v2/disc/pager/referrers/${target.digest}?n=2`);
      assert.deepEqual(
        pages.map((p) => p.manifests.length),
        [2, 2, 1],
      );
      assert.deepEqual(
        pages.flatMap((p) => p.manifests),
        [...digests].sort(),
        'every referrer once, in digest order',
      );
      assert.ok(pages.every((p) => p.filtered === null));

      const even = digests.filter((_, i) => i % 2 === 0).sort();
      const filtered = await walkReferrers(
        reg,
        `/v2/disc/pager/referrers/${target.digest}?n=1&artifactType=application/vnd.example.even`,
      );
      assert.deepEqual(
        filtered.flatMap((p) => p.manifests),
        even,
      );
      assert.ok(filtered.every((p) => p.filtered === 'artifactType'));
      const zero = await reg.req('GET', `/v2/disc/pager/referrers/${target.digest}?n=0`);
      assert.deepEqual(zero.json().manifests, []);
      assert.equal(zero.headers.get('link'), null);
      assert.equal((await reg.req('GET', `/v2/disc/pager/referrers/${target.digest}?last=nope`)).status, 400);
    });

    test('referrers too many for one manifest-sized response are split, with a Link', async () => {
      const small = await testRegistry(kind, (c) => {
        c.limits.manifestBytes = 1200;
      });
      const target = await pushImage(small, 'disc/many', 'v1', {}, 'many');
      const digests = await pushReferrers(small, 'disc/many', target, 12);
      const pages = await walkReferrers(small, `/v2/disc/many/referrers/${target.digest}`);
      assert.ok(pages.length > 1, 'more than one page');
      assert.ok(
        pages.every((p) => p.bytes <= 1200),
        'no page is larger than a manifest may be',
      );
      assert.deepEqual(
        pages.flatMap((p) => p.manifests),
        [...digests].sort(),
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
