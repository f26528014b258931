import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as tar from 'tar-stream';
import { HullError } from '../../src/errors.js';
import { withArchiveLayout } from '../../src/transport/oci-archive.js';
import { tempDir } from '../helpers/fixtures.js';
import { putTinyImage } from '../image/layout/tiny-image.js';

async function tarBuffer(
  entries: Array<{ name: string; type?: 'file' | 'symlink' | 'directory'; body?: string; linkname?: string }>,
) {
  const pack = tar.pack();
  for (const e of entries) pack.entry({ name: e.name, type: e.type ?? 'file', linkname: e.linkname }, e.body ?? '');
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('oci-archive', () => {
  it('round-trips, and tags accumulate across writes', async () => {
    const file = join(tempDir(), 'image.tar');
    const first = await withArchiveLayout(file, 'write', async (layout) => {
      const img = await putTinyImage(layout, { content: 'one' });
      await layout.tag('one', img.manifest);
      return img;
    });
    const second = await withArchiveLayout(file, 'write', async (layout) => {
      const img = await putTinyImage(layout, { content: 'two' });
      await layout.tag('two', img.manifest);
      return img;
    });
    let seenDir = '';
    await withArchiveLayout(file, 'read', async (layout) => {
      seenDir = layout.dir;
      const tags = await layout.listTags();
      assert.deepEqual(
        tags.map((t) => [t.name, t.descriptor.digest]),
        [
          ['one', first.manifest.digest],
          ['two', second.manifest.digest],
        ],
      );
      assert.equal((await layout.readBlob(first.layer)).length, first.layer.size);
      assert.deepEqual(readdirSync(layout.blobsDir), ['sha256']);
    });
    assert.throws(() => readdirSync(seenDir), /ENOENT/, 'the temp layout is removed');
    assert.deepEqual(readdirSync(join(file, '..')), ['image.tar'], 'no temp tar left beside the archive');
  });

  it('leaves the original archive byte-identical when a write fails', async () => {
    const file = join(tempDir(), 'image.tar');
    await withArchiveLayout(file, 'write', async (layout) => {
      await layout.tag('keep', (await putTinyImage(layout)).manifest);
    });
    const before = readFileSync(file);
    await assert.rejects(
      withArchiveLayout(file, 'write', async (layout) => {
        await layout.tag('new', (await putTinyImage(layout, { content: 'new' })).manifest);
        throw new Error('the import failed');
      }),
      /the import failed/,
    );
    assert.deepEqual(readFileSync(file), before);
    assert.deepEqual(readdirSync(join(file, '..')), ['image.tar']);
  });

  it('writes the same archive for the same layout', async () => {
    const dir = tempDir();
    for (const name of ['a.tar', 'b.tar'])
      await withArchiveLayout(join(dir, name), 'write', async (layout) => {
        await layout.tag('x', (await putTinyImage(layout)).manifest);
      });
    assert.deepEqual(readFileSync(join(dir, 'a.tar')), readFileSync(join(dir, 'b.tar')));
  });

  it('rejects entries escaping the layout, links, non-layouts and missing files', async () => {
    const dir = tempDir();
    const layoutFiles = [
      { name: 'oci-layout', body: '{"imageLayoutVersion":"1.0.0"}' },
      { name: 'index.json', body: '{"schemaVersion":2,"manifests":[]}' },
      { name: 'blobs/', type: 'directory' as const },
    ];
    const cases: Array<[string, Buffer, RegExp]> = [
      ['dotdot.tar', await tarBuffer([...layoutFiles, { name: 'blobs/../../evil', body: 'x' }]), /contains '\.\.'/],
      ['abs.tar', await tarBuffer([{ name: '/etc/evil', body: 'x' }, ...layoutFiles]), /absolute path/],
      [
        'link.tar',
        await tarBuffer([...layoutFiles, { name: 'blobs/l', type: 'symlink', linkname: '/etc' }]),
        /is a symlink/,
      ],
      [
        'nolayout.tar',
        await tarBuffer([{ name: 'hello', body: 'x' }]),
        /not an OCI archive.*oci-layout does not exist/,
      ],
      ['garbage.tar', Buffer.from('this is not a tar file at all'.repeat(40)), /cannot read the archive/],
    ];
    for (const [name, bytes, message] of cases) {
      writeFileSync(join(dir, name), bytes);
      await assert.rejects(
        withArchiveLayout(join(dir, name), 'read', async () => assert.fail('fn must not run')),
        (err: unknown) => {
          assert.ok(err instanceof HullError, String(err));
          assert.equal(err.code, 'ARCHIVE_INVALID');
          assert.match(err.message, message);
          return true;
        },
        name,
      );
    }
    assert.ok(!readdirSync(dir).includes('evil'));
    await assert.rejects(
      withArchiveLayout(join(dir, 'missing.tar'), 'read', async () => 1),
      /does not exist/,
    );
    const ok = await withArchiveLayout(join(dir, 'ok.tar'), 'read', async () => 1).catch((e: Error) => e.message);
    assert.match(String(ok), /does not exist/);
    writeFileSync(join(dir, 'ok.tar'), await tarBuffer(layoutFiles));
    assert.equal(await withArchiveLayout(join(dir, 'ok.tar'), 'read', async (l) => (await l.listTags()).length), 0);
  });
});
