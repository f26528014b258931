/** Blob pushes through the store: monolithic, chunked (spec.md#pushing-a-blob-in-chunks), verification. */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { digestOf } from '../../../src/oci/digest.js';
import { RegistryError } from '../../../src/registry/api/errors.js';
import { createRegistryStore } from '../../../src/registry/store/store.js';
import { body, pushBlob, readAll, tempStore } from './helpers.js';

const code = (c: string, status?: number) => (err: unknown) => {
  assert.ok(err instanceof RegistryError, `expected RegistryError, got ${err}`);
  assert.equal(err.code, c);
  if (status !== undefined) assert.equal(err.status, status);
  return true;
};

describe('monolithic push (putBlob)', () => {
  test('stores, links and serves the blob', async () => {
    const { store } = await tempStore();
    const digest = await pushBlob(store, 'library/alpine', 'hello blob');
    assert.deepEqual(await store.statBlob('library/alpine', digest), { digest, size: 10 });
    assert.equal((await readAll(await store.readBlob('library/alpine', digest))).toString(), 'hello blob');
    assert.equal(
      (await readAll(await store.readBlob('library/alpine', digest, { start: 6, end: 9 }))).toString(),
      'blob',
    );
    assert.equal(await store.repositoryExists('library/alpine'), true);
  });

  test('wrong digest is DIGEST_INVALID and nothing is stored or staged', async () => {
    const { store, root } = await tempStore();
    const wrong = digestOf('other');
    await assert.rejects(store.putBlob('r', wrong, body('content'), 7), code('DIGEST_INVALID', 400));
    assert.equal(await store.statBlob('r', wrong), undefined);
    assert.deepEqual(await readdir(join(root, 'repositories/r/_uploads')).catch(() => []), []);
    assert.deepEqual(await readdir(join(root, 'blobs')).catch(() => []), []);
  });

  test('wrong size (short or long) is SIZE_INVALID', async () => {
    const { store } = await tempStore();
    const d = digestOf('content');
    await assert.rejects(store.putBlob('r', d, body('content'), 6), code('SIZE_INVALID'));
    await assert.rejects(store.putBlob('r', d, body('content'), 8), code('SIZE_INVALID'));
    assert.equal(await store.statBlob('r', d), undefined);
    assert.deepEqual(await store.putBlob('r', d, body('content')), { digest: d, size: 7 }, 'size is optional');
  });

  test('an aborted request body leaves no blob', async () => {
    const { store } = await tempStore();
    const d = digestOf('abcdef');
    const aborted = Readable.from(
      (async function* () {
        yield Buffer.from('abc');
        throw new Error('socket hang up');
      })(),
    );
    await assert.rejects(store.putBlob('r', d, aborted, 6), /socket hang up/);
    assert.equal(await store.statBlob('r', d), undefined);
  });

  test('invalid names and digests are refused with spec codes', async () => {
    const { store } = await tempStore();
    await assert.rejects(store.putBlob('UPPER', digestOf('x'), body('x')), code('NAME_INVALID'));
    await assert.rejects(store.putBlob('a/../b', digestOf('x'), body('x')), code('NAME_INVALID'));
    await assert.rejects(store.putBlob('a/_layers', digestOf('x'), body('x')), code('NAME_INVALID'));
    await assert.rejects(store.putBlob('r', 'sha256:../../etc', body('x')), code('DIGEST_INVALID'));
    await assert.rejects(store.statBlob('r', 'md5:abc'), code('DIGEST_INVALID'));
  });

  test('sha512 digests work end to end', async () => {
    const { store } = await tempStore();
    const d = digestOf('five-twelve', 'sha512');
    await store.putBlob('r', d, body('five-twelve'));
    assert.equal((await readAll(await store.readBlob('r', d))).toString(), 'five-twelve');
  });
});

describe('chunked push', () => {
  test('chunks at the right offsets, then commit', async () => {
    const { store } = await tempStore();
    const up = await store.startUpload('r');
    assert.equal(up.size, 0);
    assert.equal(up.repository, 'r');
    assert.equal((await store.appendUpload('r', up.id, 0, body('hello '))).size, 6);
    assert.equal((await store.appendUpload('r', up.id, 6, body('chunked '))).size, 14);
    assert.equal((await store.appendUpload('r', up.id, 14, body('world'))).size, 19);
    const d = digestOf('hello chunked world');
    assert.equal(await store.statBlob('r', d), undefined, 'not a blob before commit');
    assert.deepEqual(await store.commitUpload('r', up.id, d, 19), { digest: d, size: 19 });
    assert.equal((await readAll(await store.readBlob('r', d))).toString(), 'hello chunked world');
    assert.equal(await store.getUpload('r', up.id), undefined, 'the session ends with the commit');
  });

  test('out-of-order and repeated chunks are 416 RANGE_INVALID and append nothing', async () => {
    const { store } = await tempStore();
    const up = await store.startUpload('r');
    await assert.rejects(store.appendUpload('r', up.id, 1, body('x')), code('RANGE_INVALID', 416));
    await store.appendUpload('r', up.id, 0, body('abc'));
    await assert.rejects(store.appendUpload('r', up.id, 0, body('abc')), code('RANGE_INVALID', 416), 'repeated');
    await assert.rejects(store.appendUpload('r', up.id, 5, body('x')), code('RANGE_INVALID', 416), 'gap');
    await assert.rejects(store.appendUpload('r', up.id, 2, body('x')), code('RANGE_INVALID', 416), 'overlap');
    assert.equal((await store.getUpload('r', up.id))?.size, 3);
  });

  test('concurrent chunks at the same offset: exactly one wins', async () => {
    const { store } = await tempStore();
    const up = await store.startUpload('r');
    const results = await Promise.allSettled([0, 1, 2, 3].map(() => store.appendUpload('r', up.id, 0, body('abc'))));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    assert.equal((await store.getUpload('r', up.id))?.size, 3);
  });

  test('resume: getUpload reports the size after an interrupted chunk; the client continues from it', async () => {
    const { store } = await tempStore();
    const up = await store.startUpload('r');
    await store.appendUpload('r', up.id, 0, body('part one, '));
    const broken = Readable.from(
      (async function* () {
        yield Buffer.from('part ');
        throw new Error('connection reset');
      })(),
    );
    await assert.rejects(store.appendUpload('r', up.id, 10, broken), /connection reset/);
    const state = await store.getUpload('r', up.id);
    assert.ok(state);
    assert.equal(state.size, 15, 'what arrived is kept (spec.md "Resumable Push")');
    assert.ok(state.startedAt instanceof Date && !Number.isNaN(state.startedAt.getTime()));
    await store.appendUpload('r', up.id, state.size, body('two'));
    const d = digestOf('part one, part two');
    assert.deepEqual(await store.commitUpload('r', up.id, d), { digest: d, size: 18 });
  });

  test('the running hash kept while chunks arrive never stands in for bytes another process appended', async () => {
    const { store, driver } = await tempStore();
    // Two servers on one root (or one restarted): each has its own in-memory hash, the file is shared.
    const other = createRegistryStore(driver);
    const up = await store.startUpload('r');
    await store.appendUpload('r', up.id, 0, body('first '));
    await other.appendUpload('r', up.id, 6, body('second'));
    await assert.rejects(store.commitUpload('r', up.id, digestOf('first ')), code('DIGEST_INVALID'));
    const up2 = await store.startUpload('r');
    await store.appendUpload('r', up2.id, 0, body('first '));
    await other.appendUpload('r', up2.id, 6, body('second'));
    const d = digestOf('first second');
    assert.deepEqual(await store.commitUpload('r', up2.id, d), { digest: d, size: 12 });
    // sha512 sessions are hashed from the staged file.
    const up3 = await store.startUpload('r');
    await store.appendUpload('r', up3.id, 0, body('x'));
    const d512 = digestOf('x', 'sha512');
    assert.deepEqual(await store.commitUpload('r', up3.id, d512), { digest: d512, size: 1 });
  });

  test('commit with the wrong digest is DIGEST_INVALID and removes the upload', async () => {
    const { store } = await tempStore();
    const up = await store.startUpload('r');
    await store.appendUpload('r', up.id, 0, body('data'));
    await assert.rejects(store.commitUpload('r', up.id, digestOf('other')), code('DIGEST_INVALID'));
    assert.equal(await store.getUpload('r', up.id), undefined);
    assert.equal(await store.statBlob('r', digestOf('data')), undefined);
    assert.equal(await store.statBlob('r', digestOf('other')), undefined);
  });

  test('commit with the wrong size is SIZE_INVALID and removes the upload', async () => {
    const { store } = await tempStore();
    const up = await store.startUpload('r');
    await store.appendUpload('r', up.id, 0, body('data'));
    await assert.rejects(store.commitUpload('r', up.id, digestOf('data'), 5), code('SIZE_INVALID'));
    assert.equal(await store.getUpload('r', up.id), undefined);
    assert.equal(await store.statBlob('r', digestOf('data')), undefined);
  });

  test('an empty upload commits as the empty blob', async () => {
    const { store } = await tempStore();
    const up = await store.startUpload('r');
    const d = digestOf('');
    assert.deepEqual(await store.commitUpload('r', up.id, d), { digest: d, size: 0 });
    assert.equal((await readAll(await store.readBlob('r', d))).length, 0);
  });

  test('cancel removes the session; unknown sessions are BLOB_UPLOAD_UNKNOWN / false / undefined', async () => {
    const { store } = await tempStore();
    const up = await store.startUpload('r');
    await store.appendUpload('r', up.id, 0, body('x'));
    assert.equal(await store.cancelUpload('r', up.id), true);
    assert.equal(await store.cancelUpload('r', up.id), false);
    assert.equal(await store.getUpload('r', up.id), undefined);
    await assert.rejects(store.appendUpload('r', up.id, 1, body('y')), code('BLOB_UPLOAD_UNKNOWN', 404));
    await assert.rejects(store.commitUpload('r', up.id, digestOf('x')), code('BLOB_UPLOAD_UNKNOWN'));
    assert.equal(await store.getUpload('r', '../../../blobs'), undefined, 'ids are checked before use');
    assert.equal(await store.cancelUpload('r', '../x'), false);
  });

  test('an upload belongs to its repository', async () => {
    const { store } = await tempStore();
    const up = await store.startUpload('a');
    assert.equal(await store.getUpload('b', up.id), undefined);
    await assert.rejects(store.appendUpload('b', up.id, 0, body('x')), code('BLOB_UPLOAD_UNKNOWN'));
  });
});
