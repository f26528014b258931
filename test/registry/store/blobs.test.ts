/** Blob visibility: links per repository, shared content, mounts, deletes, ranges, crash leftovers. */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { digestOf } from '../../../src/oci/digest.js';
import { RegistryError } from '../../../src/registry/api/errors.js';
import { body, pushBlob, pushChunked, readAll, tempStore } from './helpers.js';

const hexOf = (d: string) => d.slice('sha256:'.length);

describe('blob visibility', () => {
  test('a blob is visible only in repositories it was pushed or mounted into', async () => {
    const { store } = await tempStore();
    const d = await pushBlob(store, 'a', 'shared content');
    assert.equal(await store.statBlob('b', d), undefined);
    await assert.rejects(
      store.readBlob('b', d),
      (e: unknown) => e instanceof RegistryError && e.code === 'BLOB_UNKNOWN',
    );
  });

  test('two repositories pushing the same content share one data file', async () => {
    const { store, root } = await tempStore();
    const d1 = await pushBlob(store, 'one', 'same bytes');
    const d2 = await pushChunked(store, 'two/nested', ['same ', 'bytes']);
    assert.equal(d1, d2);
    const hex = hexOf(d1);
    assert.deepEqual(await readdir(join(root, 'blobs/sha256', hex.slice(0, 2))), [hex]);
    const files = await readdir(join(root, 'blobs/sha256', hex.slice(0, 2), hex));
    assert.deepEqual(
      files.filter((f) => !f.startsWith('linked-')),
      ['data'],
      'one data file (plus push markers for gc)',
    );
    assert.equal(await readFile(join(root, 'repositories/one/_layers/sha256', hex, 'link'), 'utf8'), d1);
    assert.equal(await readFile(join(root, 'repositories/two/nested/_layers/sha256', hex, 'link'), 'utf8'), d1);
  });

  test('mount links a blob that `from` has; refuses one it does not', async () => {
    const { store } = await tempStore();
    const d = await pushBlob(store, 'src', 'mountable');
    assert.equal(await store.mountBlob('dst', d, 'src'), true);
    assert.deepEqual(await store.statBlob('dst', d), { digest: d, size: 9 });
    const other = await pushBlob(store, 'elsewhere', 'not in src');
    assert.equal(await store.mountBlob('dst2', other, 'src'), false, 'src never had it');
    assert.equal(await store.statBlob('dst2', other), undefined);
    assert.equal(await store.mountBlob('dst3', digestOf('nowhere'), 'src'), false);
    assert.equal(await store.repositoryExists('dst3'), false, 'a refused mount creates nothing');
  });

  test('deleteBlob unlinks from one repository; the content stays for others', async () => {
    const { store } = await tempStore();
    const d = await pushBlob(store, 'a', 'kept for b');
    await store.mountBlob('b', d, 'a');
    assert.equal(await store.deleteBlob('a', d), true);
    assert.equal(await store.deleteBlob('a', d), false);
    assert.equal(await store.statBlob('a', d), undefined);
    assert.equal((await readAll(await store.readBlob('b', d))).toString(), 'kept for b');
    assert.equal(await store.mountBlob('c', d, 'a'), false, 'a no longer has it to mount from');
  });

  test('ranges: inclusive ends, clamped to the blob; invalid ranges are RANGE_INVALID', async () => {
    const { store } = await tempStore();
    const d = await pushBlob(store, 'r', '0123456789');
    const range = async (start: number, end: number) =>
      (await readAll(await store.readBlob('r', d, { start, end }))).toString();
    assert.equal(await range(0, 0), '0');
    assert.equal(await range(3, 5), '345');
    assert.equal(await range(9, 9), '9');
    assert.equal(await range(8, 100), '89');
    for (const [s, e] of [
      [10, 12],
      [5, 4],
      [-1, 3],
    ] as const)
      await assert.rejects(
        store.readBlob('r', d, { start: s, end: e }),
        (err: unknown) => err instanceof RegistryError && err.status === 416,
      );
  });

  test('a large blob round-trips through chunks and ranges', async () => {
    const { store } = await tempStore();
    const big = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
    const d = digestOf(big);
    const up = await store.startUpload('big');
    let off = 0;
    for (let i = 0; i < big.length; i += 1024 * 1024) {
      const chunk = big.subarray(i, i + 1024 * 1024);
      off = (await store.appendUpload('big', up.id, off, body(chunk))).size;
    }
    await store.commitUpload('big', up.id, d, big.length);
    assert.ok((await readAll(await store.readBlob('big', d))).equals(big));
    const part = await readAll(await store.readBlob('big', d, { start: 1_000_000, end: 2_500_000 }));
    assert.ok(part.equals(big.subarray(1_000_000, 2_500_001)));
  });
});

describe('crash leftovers', () => {
  test('a staged upload whose process died is not a blob, even when its content is complete', async () => {
    const { store, root } = await tempStore();
    const up = await store.startUpload('r');
    await store.appendUpload('r', up.id, 0, body('complete content'));
    // The process "dies" here: no commit. Nothing may be visible as a blob.
    const d = digestOf('complete content');
    assert.equal(await store.statBlob('r', d), undefined);
    assert.deepEqual(await readdir(join(root, 'blobs')).catch(() => []), []);
    // The session is still resumable (the client can commit it after the restart).
    assert.equal((await store.getUpload('r', up.id))?.size, 16);
  });

  test('a session whose data already moved into blobs/ (crash mid-commit) is unknown, never "0 bytes"', async () => {
    const { store, root } = await tempStore();
    const up = await store.startUpload('r');
    await store.appendUpload('r', up.id, 0, body('all of it'));
    // What a crash between "data moved" and "session removed" would leave: the marker alone.
    const dir = join(root, 'repositories/r/_uploads', up.id);
    await rm(join(dir, 'data'));
    assert.equal(await store.getUpload('r', up.id), undefined, 'a client must start over, not resume at 0');
    // And a real commit ends the session before it moves the data, so that state never arises.
    const up2 = await store.startUpload('r');
    await store.appendUpload('r', up2.id, 0, body('all of it'));
    await store.commitUpload('r', up2.id, digestOf('all of it'));
    assert.equal(await store.getUpload('r', up2.id), undefined);
  });

  test('a link left without data (crash between link and move) is not a blob', async () => {
    const { store, root } = await tempStore();
    const d = digestOf('never moved');
    const linkDir = join(root, 'repositories/r/_layers/sha256', hexOf(d));
    await mkdir(linkDir, { recursive: true });
    await writeFile(join(linkDir, 'link'), d);
    assert.equal(await store.statBlob('r', d), undefined);
    await assert.rejects(
      store.readBlob('r', d),
      (e: unknown) => e instanceof RegistryError && e.code === 'BLOB_UNKNOWN',
    );
  });

  test('a planted data file is not served: unlinked it is invisible, and a push replaces it', async () => {
    const { store, root } = await tempStore();
    const d = digestOf('genuine');
    const hex = hexOf(d);
    const dataDir = join(root, 'blobs/sha256', hex.slice(0, 2), hex);
    await mkdir(dataDir, { recursive: true });
    await writeFile(join(dataDir, 'data'), 'tampered!');
    assert.equal(await store.statBlob('r', d), undefined, 'no repository links it');
    assert.equal(await store.mountBlob('r', d, 'r'), false);
    await pushBlob(store, 'r', 'genuine');
    assert.equal((await readAll(await store.readBlob('r', d))).toString(), 'genuine', 'the push replaced it');
  });

  test('verifyReads: a blob damaged after the push fails the full read instead of passing as good', async () => {
    const { store, root } = await tempStore({ verifyReads: true });
    const d = await pushBlob(store, 'r', 'original');
    const hex = hexOf(d);
    await writeFile(join(root, 'blobs/sha256', hex.slice(0, 2), hex, 'data'), 'damaged!');
    await assert.rejects(readAll(await store.readBlob('r', d)), /digest|DIGEST/);
  });
});
