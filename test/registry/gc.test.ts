/** Registry gc (src/registry/gc.ts): what is kept, what is swept, and the grace / re-mark guarantee. */
import assert from 'node:assert/strict';
import { readdir, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { digestOf } from '../../src/oci/digest.js';
import { MediaType } from '../../src/oci/media-types.js';
import { garbageCollect } from '../../src/registry/gc.js';
import {
  blobData,
  blobDir,
  layerLink,
  revisionLink,
  uploadData,
  uploadStartedAt,
} from '../../src/registry/store/layout.js';
import { indexOf, type manifestOf, pushBlob, pushImage, readAll, tempStore } from './store/helpers.js';

const HOUR = 3600_000;

/** Backdates storage keys by `ms`, as if written that long ago. */
async function age(root: string, keys: string[], ms = 2 * HOUR): Promise<void> {
  const t = new Date(Date.now() - ms);
  for (const k of keys) await utimes(join(root, k), t, t);
}

/** Backdates a blob's data and its push marker: pushed long ago. */
async function ageBlob(root: string, digest: string): Promise<void> {
  await age(root, [blobData(digest)]);
  await ageMarkers(root, digest);
}

async function ageMarkers(root: string, digest: string): Promise<void> {
  const names = await readdir(join(root, blobDir(digest)));
  await age(
    root,
    names.filter((n) => n.startsWith('linked-')).map((n) => `${blobDir(digest)}/${n}`),
  );
}

async function blobCount(root: string): Promise<number> {
  let n = 0;
  for (const prefix of await readdir(join(root, 'blobs/sha256')).catch(() => [] as string[]))
    n += (await readdir(join(root, 'blobs/sha256', prefix))).length;
  return n;
}

describe('garbageCollect', () => {
  test('a deleted manifest’s unshared blobs are swept; shared and tagged ones stay', async () => {
    const { store, driver, root } = await tempStore();
    const keep = await pushImage(store, 'r', 'cfg-keep', ['shared', 'only-keep'], 'keep');
    const drop = await pushImage(store, 'r', 'cfg-drop', ['shared', 'only-drop'], 'drop');
    await store.deleteManifest('r', drop.digest);
    const res = await garbageCollect(driver, { gracePeriodMs: 0 });
    assert.equal(res.blobsRemoved, 3, 'the manifest, its config and its own layer');
    assert.equal(res.manifestsRemoved, 0);
    assert.equal(res.bytesFreed, drop.bytes.length + 'cfg-drop'.length + 'only-drop'.length);
    for (const b of ['cfg-keep', 'shared', 'only-keep'])
      assert.equal((await readAll(await store.readBlob('r', digestOf(b)))).toString(), b);
    assert.equal((await store.getManifest('r', 'keep'))?.digest, keep.digest);
    assert.equal(await store.statBlob('r', digestOf('only-drop')), undefined);
    assert.equal(await blobCount(root), 4);
  });

  test('dry run removes nothing and reports what a real run removes', async () => {
    const { store, driver, root } = await tempStore();
    await pushImage(store, 'r', 'c1', ['a'], 'v1');
    const untagged = await pushImage(store, 'r', 'c2', ['b']);
    await pushBlob(store, 'r', 'orphan');
    await age(root, [revisionLink('r', untagged.digest)]);
    const before = await blobCount(root);
    const logs: string[] = [];
    const dry = await garbageCollect(driver, {
      dryRun: true,
      gracePeriodMs: 0,
      deleteUntagged: true,
      log: (m) => logs.push(m),
    });
    assert.equal(await blobCount(root), before);
    assert.ok(await store.getManifest('r', untagged.digest), 'still there');
    assert.ok(logs.some((l) => l.startsWith('would remove')));
    const real = await garbageCollect(driver, { gracePeriodMs: 0, deleteUntagged: true });
    assert.deepEqual(real, dry);
    assert.equal(real.manifestsRemoved, 1);
    assert.equal(real.blobsRemoved, 4, 'untagged manifest, its config and layer, the orphan');
  });

  test('untagged manifests are kept by default (as distribution), removed with deleteUntagged', async () => {
    const { store, driver, root } = await tempStore();
    const old = await pushImage(store, 'r', 'c-old', ['l-old'], 'latest');
    await pushImage(store, 'r', 'c-new', ['l-new'], 'latest'); // `old` is now untagged
    await age(root, [revisionLink('r', old.digest)]);
    const kept = await garbageCollect(driver, { gracePeriodMs: 0 });
    assert.deepEqual(kept, { blobsRemoved: 0, manifestsRemoved: 0, bytesFreed: 0, uploadsRemoved: 0 });
    assert.ok(await store.getManifest('r', old.digest));
    const res = await garbageCollect(driver, { gracePeriodMs: 0, deleteUntagged: true });
    assert.equal(res.manifestsRemoved, 1);
    assert.equal(res.blobsRemoved, 3);
    assert.equal(await store.getManifest('r', old.digest), undefined);
    assert.ok(await store.getManifest('r', 'latest'));
  });

  test('deleteUntagged keeps index children and referrers of reachable subjects', async () => {
    const { store, driver, root } = await tempStore();
    const amd = await pushImage(store, 'r', 'c-amd', ['l-amd']);
    const arm = await pushImage(store, 'r', 'c-arm', ['l-arm']);
    const idx = indexOf([amd, arm]);
    await store.putManifest('r', idx, { tag: 'multi' });
    const subj = { mediaType: MediaType.imageManifest, digest: amd.digest, size: amd.bytes.length };
    const sig = await pushImage(store, 'r', 'c-sig', ['l-sig'], undefined, { subject: subj });
    const sigOfSig = await pushImage(store, 'r', 'c-sig2', [], undefined, {
      subject: { mediaType: MediaType.imageManifest, digest: sig.digest, size: sig.bytes.length },
    });
    const stray = await pushImage(store, 'r', 'c-stray', ['l-stray']);
    const strayRef = await pushImage(store, 'r', 'c-stray-ref', [], undefined, {
      subject: { mediaType: MediaType.imageManifest, digest: stray.digest, size: stray.bytes.length },
    });
    const all = [amd, arm, idx, sig, sigOfSig, stray, strayRef];
    await age(
      root,
      all.map((m) => revisionLink('r', m.digest)),
    );
    const res = await garbageCollect(driver, { gracePeriodMs: 0, deleteUntagged: true });
    assert.equal(res.manifestsRemoved, 2, 'the stray manifest and its referrer');
    for (const m of [amd, arm, idx, sig, sigOfSig]) assert.ok(await store.getManifest('r', m.digest), m.digest);
    for (const m of [stray, strayRef]) assert.equal(await store.getManifest('r', m.digest), undefined);
    assert.deepEqual(
      (await store.referrers('r', amd.digest)).map((d) => d.digest),
      [sig.digest],
    );
    assert.deepEqual(await store.referrers('r', stray.digest), []);
    assert.ok(await store.statBlob('r', digestOf('l-sig')));
    assert.equal(await store.statBlob('r', digestOf('l-stray')), undefined);
  });

  test('a blob referenced from another repository’s manifest is kept', async () => {
    const { store, driver } = await tempStore();
    await pushBlob(store, 'a', 'base-layer');
    await store.deleteBlob('a', digestOf('base-layer'));
    await pushImage(store, 'b', 'cfg', ['base-layer'], 't');
    const res = await garbageCollect(driver, { gracePeriodMs: 0 });
    assert.equal(res.blobsRemoved, 0);
  });

  test('the grace period: fresh unreferenced blobs and fresh untagged manifests stay', async () => {
    const { store, driver } = await tempStore();
    await pushBlob(store, 'r', 'just pushed, manifest not yet');
    const untagged = await pushImage(store, 'r', 'c', ['l']);
    const res = await garbageCollect(driver, { deleteUntagged: true });
    assert.deepEqual(res, { blobsRemoved: 0, manifestsRemoved: 0, bytesFreed: 0, uploadsRemoved: 0 });
    assert.ok(await store.getManifest('r', untagged.digest));
  });

  test('grace protects an old blob through a fresh link (a stalled push committed just now)', async () => {
    const { store, driver, root } = await tempStore();
    const d = await pushBlob(store, 'r', 'slow upload');
    await age(root, [blobData(d)]); // the data is old (rename keeps the staged file's time)...
    const res = await garbageCollect(driver, {}); // ...but the link and marker are fresh
    assert.equal(res.blobsRemoved, 0);
    await age(root, [layerLink('r', d)]);
    assert.equal((await garbageCollect(driver, {})).blobsRemoved, 0, 'the marker alone still protects');
    await ageMarkers(root, d);
    assert.equal((await garbageCollect(driver, {})).blobsRemoved, 1, 'both old: garbage');
  });

  test('re-mark: a manifest put after the candidates are chosen saves its blobs (grace 0)', async () => {
    const { store, driver, root } = await tempStore();
    // Old, unreferenced data for exactly the blobs the late push will use.
    for (const b of ['late-cfg', 'late-layer']) await pushBlob(store, 'old', b);
    await store.deleteBlob('old', digestOf('late-cfg'));
    await store.deleteBlob('old', digestOf('late-layer'));
    await ageBlob(root, digestOf('late-cfg'));
    await ageBlob(root, digestOf('late-layer'));
    let late: ReturnType<typeof manifestOf> | undefined;
    const res = await garbageCollect(driver, {
      gracePeriodMs: 0,
      afterCandidates: async () => {
        late = await pushImage(store, 'r', 'late-cfg', ['late-layer'], 'late');
      },
    });
    assert.equal(res.blobsRemoved, 0);
    assert.ok(late);
    for (const b of ['late-cfg', 'late-layer'])
      assert.equal((await readAll(await store.readBlob('r', digestOf(b)))).toString(), b);
  });

  test('boundary at grace 0: a blob committed during gc with no manifest yet is garbage', async () => {
    const { store, driver, root } = await tempStore();
    await pushBlob(store, 'old', 'dangling');
    await store.deleteBlob('old', digestOf('dangling'));
    await ageBlob(root, digestOf('dangling'));
    const run = (grace: number) =>
      garbageCollect(driver, {
        gracePeriodMs: grace,
        afterCandidates: async () => {
          await pushBlob(store, 'r', 'dangling');
          await age(root, [blobData(digestOf('dangling'))]); // only the link and marker are fresh
        },
      });
    assert.equal((await run(HOUR)).blobsRemoved, 0, 'default grace: the fresh link keeps it');
    assert.ok(await store.statBlob('r', digestOf('dangling')));
    await store.deleteBlob('r', digestOf('dangling'));
    assert.equal((await run(0)).blobsRemoved, 1, 'grace 0: unreferenced, so swept');
  });

  test('abandoned uploads are purged; active ones stay', async () => {
    const { store, driver, root } = await tempStore();
    const stale = await store.startUpload('r');
    const active = await store.startUpload('r');
    await age(root, [uploadData('r', stale.id), uploadStartedAt('r', stale.id)], 8 * 24 * HOUR);
    const res = await garbageCollect(driver, {});
    assert.equal(res.uploadsRemoved, 1);
    assert.equal(await store.getUpload('r', stale.id), undefined);
    assert.ok(await store.getUpload('r', active.id));
  });
});
