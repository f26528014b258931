/** Manifests, tags and referrers (spec.md#pushing-manifests, #listing-tags, #listing-referrers, #deleting-*). */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { digestOf } from '../../../src/oci/digest.js';
import { MediaType } from '../../../src/oci/media-types.js';
import { RegistryError } from '../../../src/registry/api/errors.js';
import { indexOf, manifestOf, pushImage, tempStore } from './helpers.js';

describe('manifests and tags', () => {
  test('by tag and by digest, with the stored media type', async () => {
    const { store } = await tempStore();
    const m = await pushImage(store, 'app', 'cfg', ['l1', 'l2'], 'v1');
    for (const ref of ['v1', m.digest]) {
      const got = await store.getManifest('app', ref);
      assert.ok(got, ref);
      assert.equal(got.digest, m.digest);
      assert.equal(got.mediaType, MediaType.imageManifest);
      assert.ok(got.bytes.equals(m.bytes));
    }
    assert.equal(await store.getManifest('app', 'v2'), undefined);
    assert.equal(await store.getManifest('other', 'v1'), undefined);
    assert.equal(await store.getManifest('other', m.digest), undefined, 'manifests are per repository');
    assert.equal(await store.getManifest('app', '..'), undefined, 'not a tag');
  });

  test('the Content-Type the client pushed is what is served back', async () => {
    const { store } = await tempStore();
    const bytes = Buffer.from('{"schemaVersion":2,"config":{},"layers":[]}');
    const digest = digestOf(bytes);
    await store.putManifest('d', { digest, mediaType: MediaType.dockerManifest, bytes }, { tag: 't' });
    assert.equal((await store.getManifest('d', 't'))?.mediaType, MediaType.dockerManifest);
  });

  test('putManifest refuses bytes that do not match the digest, and invalid tags', async () => {
    const { store } = await tempStore();
    const m = manifestOf('c', []);
    const isCode = (c: string) => (e: unknown) => e instanceof RegistryError && e.code === c;
    await assert.rejects(store.putManifest('r', { ...m, digest: digestOf('x') }), isCode('DIGEST_INVALID'));
    await assert.rejects(store.putManifest('r', m, { tag: '-bad' }), isCode('MANIFEST_INVALID'));
    await assert.rejects(store.putManifest('r', m, { tag: 'a/b' }), isCode('MANIFEST_INVALID'));
    assert.equal(await store.getManifest('r', m.digest), undefined);
  });

  test('tag overwrite moves the tag; the old manifest stays reachable by digest', async () => {
    const { store } = await tempStore();
    const m1 = await pushImage(store, 'r', 'c1', ['a'], 'latest');
    const m2 = await pushImage(store, 'r', 'c2', ['b'], 'latest');
    assert.equal((await store.getManifest('r', 'latest'))?.digest, m2.digest);
    assert.equal((await store.getManifest('r', m1.digest))?.digest, m1.digest);
    assert.deepEqual(await store.listTags('r'), ['latest']);
  });

  test('deleting a manifest by digest removes it and every tag pointing to it', async () => {
    const { store } = await tempStore();
    const m = await pushImage(store, 'r', 'c', ['l'], 'one');
    await store.putManifest('r', m, { tag: 'two' });
    const keep = await pushImage(store, 'r', 'c2', ['l2'], 'three');
    assert.equal(await store.deleteManifest('r', m.digest), true);
    assert.equal(await store.getManifest('r', m.digest), undefined);
    assert.equal(await store.getManifest('r', 'one'), undefined);
    assert.equal(await store.getManifest('r', 'two'), undefined);
    assert.deepEqual(await store.listTags('r'), ['three']);
    assert.equal((await store.getManifest('r', 'three'))?.digest, keep.digest);
    assert.equal(await store.deleteManifest('r', m.digest), false);
  });

  test('deleting a tag leaves the manifest', async () => {
    const { store } = await tempStore();
    const m = await pushImage(store, 'r', 'c', ['l'], 'gone');
    assert.equal(await store.deleteManifest('r', 'gone'), true);
    assert.equal(await store.deleteManifest('r', 'gone'), false);
    assert.equal(await store.getManifest('r', 'gone'), undefined);
    assert.equal((await store.getManifest('r', m.digest))?.digest, m.digest);
    assert.deepEqual(await store.listTags('r'), []);
  });

  test('a damaged manifest file is an error, never served', async () => {
    const { store, root } = await tempStore();
    const m = await pushImage(store, 'r', 'c', [], 't');
    const hex = m.digest.slice(7);
    await writeFile(join(root, 'blobs/sha256', hex.slice(0, 2), hex, 'data'), '{"tampered":true}');
    await assert.rejects(store.getManifest('r', 't'), /STORAGE_CORRUPT|does not|has digest/);
  });
});

describe('listTags pagination (spec.md#listing-tags)', () => {
  const tags = ['v10', 'B', 'a', 'latest', 'v2', 'v1', 'A'];
  const sorted = ['A', 'a', 'B', 'latest', 'v1', 'v10', 'v2'];

  async function tagged() {
    const { store } = await tempStore();
    const m = await pushImage(store, 'r', 'c', []);
    for (const t of tags) await store.putManifest('r', m, { tag: t });
    return store;
  }

  test('lexical (case-insensitive) order', async () => {
    assert.deepEqual(await (await tagged()).listTags('r'), sorted);
  });

  test('n and last', async () => {
    const store = await tagged();
    assert.deepEqual(await store.listTags('r', { n: 0 }), [], 'n=0 is empty');
    assert.deepEqual(await store.listTags('r', { n: 3 }), ['A', 'a', 'B']);
    assert.deepEqual(await store.listTags('r', { n: 3, last: 'B' }), ['latest', 'v1', 'v10']);
    assert.deepEqual(await store.listTags('r', { n: 3, last: 'v10' }), ['v2']);
    assert.deepEqual(await store.listTags('r', { last: 'v2' }), [], 'last is the final tag');
    assert.deepEqual(await store.listTags('r', { last: 'zzz' }), [], 'last beyond the end');
    assert.deepEqual(await store.listTags('r', { n: 2, last: 'b0' }), ['latest', 'v1'], 'last not present');
    assert.deepEqual(await store.listTags('r', { n: 100 }), sorted, 'n beyond the count');
    assert.deepEqual(await store.listTags('r', { n: 0, last: 'a' }), []);
  });

  test('a repository without tags lists none', async () => {
    const { store } = await tempStore();
    assert.deepEqual(await store.listTags('nothing/here'), []);
  });
});

describe('catalog', () => {
  test('nested names, sorted, with n/last; repositories without content are not listed', async () => {
    const { store } = await tempStore();
    for (const r of ['zeta', 'alpha/beta', 'alpha', 'alpha/beta/gamma', 'm-n']) await pushImage(store, r, 'c', [], 't');
    await store.startUpload('uploads-only');
    const all = ['alpha', 'alpha/beta', 'alpha/beta/gamma', 'm-n', 'zeta'];
    assert.deepEqual(await store.listRepositories(), all);
    assert.deepEqual(await store.listRepositories({ n: 2 }), ['alpha', 'alpha/beta']);
    assert.deepEqual(await store.listRepositories({ n: 2, last: 'alpha/beta' }), ['alpha/beta/gamma', 'm-n']);
    assert.deepEqual(await store.listRepositories({ last: 'zeta' }), []);
    assert.deepEqual(await store.listRepositories({ n: 0 }), []);
    assert.deepEqual(await store.listRepositories({ last: 'b' }), ['m-n', 'zeta']);
    assert.equal(await store.repositoryExists('alpha/beta'), true);
    assert.equal(await store.repositoryExists('alpha/b'), false);
    assert.equal(await store.repositoryExists('uploads-only'), false);
  });

  test('an empty store lists nothing', async () => {
    const { store } = await tempStore();
    assert.deepEqual(await store.listRepositories(), []);
  });
});

describe('referrers (spec.md#listing-referrers)', () => {
  test('artifactType from the manifest, else config.mediaType; omitted for an index; annotations copied', async () => {
    const { store } = await tempStore();
    const subject = await pushImage(store, 'r', 'subject-cfg', ['l'], 'v1');
    const subj = { mediaType: subject.mediaType, digest: subject.digest, size: subject.bytes.length };
    const sbom = await pushImage(store, 'r', 'sbom-cfg', [], undefined, {
      artifactType: 'application/vnd.example.sbom.v1',
      subject: subj,
      annotations: { 'org.example.kind': 'sbom' },
    });
    const sigCfg = manifestOf('sig', [], { subject: subj });
    const sigDoc = JSON.parse(sigCfg.bytes.toString());
    sigDoc.config.mediaType = 'application/vnd.example.signature.v1';
    const sigBytes = Buffer.from(JSON.stringify(sigDoc));
    const sig = { digest: digestOf(sigBytes), mediaType: MediaType.imageManifest, bytes: sigBytes };
    await store.putManifest('r', sig);
    const idx = indexOf([subject], { subject: subj });
    await store.putManifest('r', idx);

    const all = await store.referrers('r', subject.digest);
    const byDigest = new Map(all.map((d) => [d.digest, d]));
    assert.equal(all.length, 3);
    assert.deepEqual(byDigest.get(sbom.digest), {
      mediaType: MediaType.imageManifest,
      digest: sbom.digest,
      size: sbom.bytes.length,
      artifactType: 'application/vnd.example.sbom.v1',
      annotations: { 'org.example.kind': 'sbom' },
    });
    assert.equal(byDigest.get(sig.digest)?.artifactType, 'application/vnd.example.signature.v1');
    assert.equal(byDigest.get(idx.digest)?.mediaType, MediaType.imageIndex);
    assert.equal('artifactType' in (byDigest.get(idx.digest) ?? {}), false);

    const filtered = await store.referrers('r', subject.digest, 'application/vnd.example.sbom.v1');
    assert.deepEqual(
      filtered.map((d) => d.digest),
      [sbom.digest],
    );
    assert.deepEqual(await store.referrers('r', subject.digest, 'application/none'), []);
    assert.deepEqual(await store.referrers('other', subject.digest), [], 'per repository');
  });

  test('subject need not exist; options from the caller win; deleted referrers disappear', async () => {
    const { store } = await tempStore();
    const missing = digestOf('not pushed (spec.md#pushing-manifests-with-subject allows it)');
    const m = manifestOf('c', []);
    await store.putManifest('r', m, { subject: missing, artifactType: 'application/x', annotations: { a: 'b' } });
    const got = await store.referrers('r', missing);
    assert.deepEqual(got, [
      {
        mediaType: m.mediaType,
        digest: m.digest,
        size: m.bytes.length,
        artifactType: 'application/x',
        annotations: { a: 'b' },
      },
    ]);
    // The subject read from the bytes is what delete uses, so also index a manifest that has one.
    const withSubject = manifestOf('c2', [], {
      subject: { mediaType: MediaType.imageManifest, digest: missing, size: 1 },
    });
    await store.putManifest('r', withSubject);
    assert.equal((await store.referrers('r', missing)).length, 2);
    await store.deleteManifest('r', withSubject.digest);
    await store.deleteManifest('r', m.digest);
    assert.deepEqual(await store.referrers('r', missing), []);
  });

  test('an invalid digest is DIGEST_INVALID', async () => {
    const { store } = await tempStore();
    await assert.rejects(
      store.referrers('r', 'sha256:nothex'),
      (e: unknown) => e instanceof RegistryError && e.code === 'DIGEST_INVALID',
    );
  });
});
