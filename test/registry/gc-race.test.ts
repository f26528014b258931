/**
 * gc racing pushes in the same process (src/registry/gc.ts guarantee): a blob or manifest the
 * store has acknowledged is never lost, over many interleavings.
 */
import assert from 'node:assert/strict';
import { readdir, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { digestOf } from '../../src/oci/digest.js';
import { garbageCollect } from '../../src/registry/gc.js';
import { blobData, blobDir } from '../../src/registry/store/layout.js';
import type { RegistryStore, StoredManifest } from '../../src/registry/store/types.js';
import { manifestOf, pushBlob, pushChunked, pushImage, readAll, tempStore } from './store/helpers.js';

const ROUNDS = 25;

/** Makes a blob's data and push marker look hours old. */
async function backdate(root: string, digest: string): Promise<void> {
  const t = new Date(Date.now() - 3 * 3600_000);
  const markers = (await readdir(join(root, blobDir(digest)))).filter((n) => n.startsWith('linked-'));
  for (const key of [blobData(digest), ...markers.map((n) => `${blobDir(digest)}/${n}`)])
    await utimes(join(root, key), t, t);
}

/** Asserts the manifest and every blob it names are served with the right content. */
async function assertIntact(store: RegistryStore, repo: string, tag: string, m: StoredManifest, blobs: string[]) {
  assert.equal((await store.getManifest(repo, tag))?.digest, m.digest, `${repo}:${tag}`);
  for (const b of blobs) {
    const got = await readAll(await store.readBlob(repo, digestOf(b)));
    assert.equal(got.toString(), b, `${repo} blob ${b}`);
  }
}

describe('gc racing pushes', () => {
  for (const deleteUntagged of [false, true])
    test(`default grace, deleteUntagged=${deleteUntagged}: pushes over old garbage of the same digests survive`, async () => {
      let swept = 0;
      for (let round = 0; round < ROUNDS; round++) {
        const { store, driver, root } = await tempStore();
        // Old garbage: unlinked data with the digests the pushes will upload, plus real junk.
        const pushes = [0, 1, 2].map((i) => ({
          cfg: `cfg-${round}-${i}`,
          layers: [`a-${round}-${i}`, `b-${round}-${i}`],
        }));
        for (const p of pushes)
          for (const b of [p.cfg, ...p.layers]) {
            await pushBlob(store, 'graveyard', b);
            await store.deleteBlob('graveyard', digestOf(b));
            await backdate(root, digestOf(b));
          }
        await pushBlob(store, 'graveyard', `junk-${round}`);
        await store.deleteBlob('graveyard', digestOf(`junk-${round}`));
        await backdate(root, digestOf(`junk-${round}`));

        const work = pushes.map(async (p, i) => {
          const repo = `app${i}`;
          // Mixed push styles: chunked for layers, monolithic for the config.
          for (const l of p.layers) await pushChunked(store, repo, [l.slice(0, 3), l.slice(3)]);
          await pushBlob(store, repo, p.cfg);
          const m = manifestOf(p.cfg, p.layers);
          await store.putManifest(repo, m, { tag: 'v1' });
          return { repo, m, blobs: [p.cfg, ...p.layers] };
        });
        const gcs = [garbageCollect(driver, { deleteUntagged }), garbageCollect(driver, { deleteUntagged })];
        const [done, results] = await Promise.all([Promise.all(work), Promise.all(gcs)]);
        swept += results.reduce((n, r) => n + r.blobsRemoved, 0);
        for (const { repo, m, blobs } of done) await assertIntact(store, repo, 'v1', m, blobs);
        // And once more after the dust settles.
        await garbageCollect(driver, { deleteUntagged });
        for (const { repo, m, blobs } of done) await assertIntact(store, repo, 'v1', m, blobs);
        assert.equal(await store.statBlob('graveyard', digestOf(`junk-${round}`)), undefined);
      }
      assert.ok(swept >= ROUNDS, `gc really swept concurrently (${swept} blobs)`);
    });

  test('grace 0: manifests pushed over shared layers while gc runs are never lost', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const { store, driver } = await tempStore();
      const base = await pushImage(store, 'app', 'base-cfg', ['base-l1', 'base-l2'], 'base');
      const work = [0, 1, 2, 3].map(async (i) => {
        // A new manifest over existing blobs (re-tag, new annotations, a platform of an index).
        const m = manifestOf('base-cfg', ['base-l1', 'base-l2'], { annotations: { round: `${round}`, i: `${i}` } });
        await store.putManifest('app', m, { tag: `t${i}` });
        return m;
      });
      const [manifests] = await Promise.all([
        Promise.all(work),
        garbageCollect(driver, { gracePeriodMs: 0 }),
        garbageCollect(driver, { gracePeriodMs: 0 }),
      ]);
      await assertIntact(store, 'app', 'base', base, ['base-cfg', 'base-l1', 'base-l2']);
      for (const [i, m] of manifests.entries())
        await assertIntact(store, 'app', `t${i}`, m, ['base-cfg', 'base-l1', 'base-l2']);
    }
  });
});
