import assert from 'node:assert/strict';
import { readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ImageLayout } from '../../../src/image/layout/layout.js';
import { MediaType } from '../../../src/oci/media-types.js';
import { tempDir } from '../../helpers/fixtures.js';
import { putTinyImage, putTwoPlatformIndex } from './tiny-image.js';

describe('ImageLayout gc', () => {
  it('removes only unreferenced blobs and stale temp files; dry run removes nothing', async () => {
    const layout = await ImageLayout.create(join(tempDir(), 'l'));
    const kept = await putTinyImage(layout, { content: 'kept' });
    const multi = await putTwoPlatformIndex(layout);
    // A referrer (subject) kept alive through index.json, whose own config is the empty descriptor.
    const empty = await layout.putBlobBuffer(Buffer.from('{}'), MediaType.emptyJSON);
    const referrer = await layout.putJSON(
      {
        schemaVersion: 2,
        mediaType: MediaType.imageManifest,
        artifactType: 'application/x.sig',
        config: empty,
        layers: [],
        subject: kept.manifest,
      },
      MediaType.imageManifest,
    );
    const dropped = await putTinyImage(layout, { content: 'dropped' });
    const stray = await layout.putBlobBuffer(Buffer.from('stray'));
    await layout.tag('kept', kept.manifest);
    await layout.tag('multi', multi.index);
    await layout.tag('sig', referrer);
    await layout.tag('dropped', dropped.manifest);
    await layout.untag('dropped');
    const staleTemp = join(layout.blobsDir, '.tmp-123-stale');
    const freshTemp = join(layout.blobsDir, '.tmp-123-fresh');
    writeFileSync(staleTemp, 'abandoned upload');
    writeFileSync(freshTemp, 'upload in progress');
    const old = new Date(Date.now() - 60 * 60_000);
    utimesSync(staleTemp, old, old);

    const expected = [
      dropped.manifest.digest,
      dropped.config.digest,
      dropped.layer.digest,
      stray.digest,
      'blobs/.tmp-123-stale',
    ].sort();
    const before = readdirSync(join(layout.blobsDir, 'sha256')).length;
    const dry = await layout.gc({ dryRun: true });
    assert.deepEqual([...dry.removed].sort(), expected);
    assert.equal(readdirSync(join(layout.blobsDir, 'sha256')).length, before, 'dry run removed nothing');
    assert.ok(readdirSync(layout.blobsDir).includes('.tmp-123-stale'));

    const result = await layout.gc();
    assert.deepEqual([...result.removed].sort(), expected);
    assert.equal(result.freedBytes, dry.freedBytes);
    assert.ok(result.freedBytes > dropped.manifest.size + dropped.config.size + dropped.layer.size);
    assert.equal(readdirSync(join(layout.blobsDir, 'sha256')).length, before - 4);
    assert.deepEqual(readdirSync(layout.blobsDir).sort(), ['.tmp-123-fresh', 'sha256']);
    for (const d of [
      kept.manifest,
      kept.config,
      kept.layer,
      multi.index,
      multi.amd64.layer,
      multi.arm64.config,
      referrer,
      empty,
    ])
      assert.ok(await layout.hasBlob(d.digest), d.digest);
    assert.deepEqual((await layout.gc()).removed, []);
  });

  it('refuses to sweep when a reachable manifest is corrupt', async () => {
    const layout = await ImageLayout.create(join(tempDir(), 'l'));
    const img = await putTinyImage(layout);
    await layout.tag('x', img.manifest);
    writeFileSync(layout.blobPath(img.manifest.digest), 'garbage');
    await assert.rejects(layout.gc(), /gc stopped, nothing was removed/);
    assert.ok(await layout.hasBlob(img.layer.digest));
  });
});
