import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { HullError } from '../../../src/errors.js';
import { ImageLayout } from '../../../src/image/layout/layout.js';
import { isRefName } from '../../../src/image/layout/ref-name.js';
import { tempDir } from '../../helpers/fixtures.js';
import { putTinyImage } from './tiny-image.js';

const REF = 'org.opencontainers.image.ref.name';

describe('ImageLayout tags', () => {
  it('tags, replaces, lists, resolves and untags', async () => {
    const layout = await ImageLayout.create(join(tempDir(), 'l'));
    const a = await putTinyImage(layout, { content: 'a' });
    const b = await putTinyImage(layout, { content: 'b' });
    await layout.tag('v1', a.manifest);
    await layout.tag('v2', a.manifest);
    await layout.tag('v1', b.manifest);
    const tags = await layout.listTags();
    assert.deepEqual(
      tags.map((t) => [t.name, t.descriptor.digest]),
      [
        ['v1', b.manifest.digest],
        ['v2', a.manifest.digest],
      ],
    );
    assert.equal(tags[0]!.descriptor.annotations?.[REF], 'v1');
    assert.equal((await layout.resolveTag('v2'))?.digest, a.manifest.digest);
    assert.equal(await layout.resolveTag('nope'), undefined);

    assert.equal(await layout.untag('v1'), true);
    assert.equal(await layout.untag('v1'), false);
    assert.deepEqual(
      (await layout.listTags()).map((t) => t.name),
      ['v2'],
    );
    const onDisk = JSON.parse(readFileSync(join(layout.dir, 'index.json'), 'utf8'));
    assert.equal(onDisk.manifests.length, 1);
    assert.equal(onDisk.schemaVersion, 2);
  });

  it('keeps a descriptor annotation and untagged entries of other tools', async () => {
    const layout = await ImageLayout.create(join(tempDir(), 'l'));
    const img = await putTinyImage(layout);
    await layout.updateIndex((index) => {
      index.manifests.push({ ...img.manifest });
      return index;
    });
    await layout.tag('latest', { ...img.manifest, annotations: { 'com.example.x': 'y' } });
    const index = await layout.readIndex();
    assert.equal(index.manifests.length, 2);
    assert.deepEqual(index.manifests[1]!.annotations, { 'com.example.x': 'y', [REF]: 'latest' });
  });

  it('validates the ref name grammar of annotations.md', async () => {
    const layout = await ImageLayout.create(join(tempDir(), 'l'));
    const img = await putTinyImage(layout);
    for (const good of ['latest', 'v1.0.0-vendor.0', 'a/b/c', 'x:y@z+w', 'a--b', 'A.B'])
      assert.ok(isRefName(good), good);
    for (const bad of ['', '-a', 'a-', 'a//b', '/a', 'a b', 'a-_-b', 'ä', 'a/', '.a'])
      assert.equal(isRefName(bad), false, bad);
    await assert.rejects(layout.tag('bad tag', img.manifest), (err: unknown) => {
      assert.ok(err instanceof HullError);
      assert.equal(err.code, 'TAG_INVALID');
      return true;
    });
    assert.equal((await layout.listTags()).length, 0);
  });
});
