/** The filesystem driver: the shared conformance suite plus what only a filesystem can show. */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { FilesystemDriver } from '../../../src/registry/storage/fs-driver.js';
import { runDriverSuite } from './driver-suite.js';

const roots: string[] = [];
after(async () => {
  await Promise.all(roots.map((r) => rm(r, { recursive: true, force: true })));
});

async function tempRoot(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hull-fsdriver-'));
  roots.push(dir);
  return dir;
}

runDriverSuite('filesystem', async () => new FilesystemDriver(join(await tempRoot(), 'root')));

describe('FilesystemDriver specifics', () => {
  test('keys map to files below the root; nothing is written outside it', async () => {
    const base = await tempRoot();
    const d = new FilesystemDriver(join(base, 'root'));
    await d.putContent('a/b', Buffer.from('x'));
    await assert.rejects(d.putContent('../outside', Buffer.from('evil')));
    assert.deepEqual((await readdir(base)).sort(), ['root']);
    assert.deepEqual((await readdir(join(base, 'root'))).sort(), ['.tmp', 'a']);
  });

  test('the temp directory is reserved and never listed', async () => {
    const d = new FilesystemDriver(await tempRoot());
    await d.putContent('x', Buffer.from('1'));
    assert.deepEqual(await d.list(''), ['x']);
    await assert.rejects(d.putContent('.tmp/evil', Buffer.from('1')), /reserved/);
    await assert.rejects(d.delete('.tmp'), /reserved/);
  });

  test('purgeTemp removes only stale temp files (a crashed writer’s leftovers)', async () => {
    const root = await tempRoot();
    const d = new FilesystemDriver(root);
    await d.putContent('x', Buffer.from('1'));
    await writeFile(join(root, '.tmp', 'stale'), 'partial');
    await writeFile(join(root, '.tmp', 'fresh'), 'in progress');
    const old = new Date(Date.now() - 2 * 3600_000);
    await utimes(join(root, '.tmp', 'stale'), old, old);
    assert.equal(await d.purgeTemp(3600_000), 1);
    assert.deepEqual(await readdir(join(root, '.tmp')), ['fresh']);
  });

  test('a reader opened before an overwrite keeps returning the old content', async () => {
    const d = new FilesystemDriver(await tempRoot());
    await d.putContent('obj', Buffer.alloc(1 << 20, 'o'));
    const r = await d.reader('obj');
    await d.putContent('obj', Buffer.from('new'));
    const chunks: Buffer[] = [];
    for await (const c of r) chunks.push(c as Buffer);
    const got = Buffer.concat(chunks);
    assert.equal(got.length, 1 << 20);
    assert.ok(got.equals(Buffer.alloc(1 << 20, 'o')));
  });
});
