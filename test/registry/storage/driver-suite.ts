/**
 * The StorageDriver conformance suite (src/registry/storage/driver.ts). Every driver runs it via
 * `runDriverSuite(name, makeDriver)`; makeDriver returns a fresh, empty driver per test. It pins
 * the edge cases the store relies on: absent paths, atomic overwrite under concurrent readers,
 * append sizes, move over an existing object, offsets past the end and path validation.
 */
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { PathNotFoundError, type StorageDriver } from '../../../src/registry/storage/driver.js';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(chunks);
}

const buf = (s: string) => Buffer.from(s);
const src = (...parts: string[]) => Readable.from(parts.map((p) => Buffer.from(p)));

const BAD_PATHS = ['', '/abs', '../up', 'a/../../b', 'a/..', 'a//b', 'a/', './a', 'a/./b', 'a\\..\\b', 'a\0b'];

export function runDriverSuite(name: string, makeDriver: () => Promise<StorageDriver>): void {
  describe(`StorageDriver conformance: ${name}`, () => {
    test('getContent of an absent path is undefined; putContent then getContent round-trips', async () => {
      const d = await makeDriver();
      assert.equal(await d.getContent('nope'), undefined);
      assert.equal(await d.getContent('deep/ly/absent'), undefined);
      await d.putContent('a/b/c', buf('hello'));
      assert.deepEqual(await d.getContent('a/b/c'), buf('hello'));
      await d.putContent('a/b/c', buf('bye'));
      assert.deepEqual(await d.getContent('a/b/c'), buf('bye'));
      await d.putContent('empty', Buffer.alloc(0));
      assert.deepEqual(await d.getContent('empty'), Buffer.alloc(0));
    });

    test('getContent of a prefix is undefined (only objects have content)', async () => {
      const d = await makeDriver();
      await d.putContent('p/q/r', buf('x'));
      assert.equal(await d.getContent('p/q'), undefined);
    });

    test('overwrite is atomic under concurrent readers: old or new content, never a mix', async () => {
      const d = await makeDriver();
      const size = 256 * 1024;
      const A = Buffer.alloc(size, 'a');
      const B = Buffer.alloc(size * 2, 'b');
      await d.putContent('atomic/obj', A);
      let writing = true;
      const writer = (async () => {
        for (let i = 0; i < 30; i++) await d.putContent('atomic/obj', i % 2 ? A : B);
        writing = false;
      })();
      const check = (got: Buffer | undefined) => {
        assert.ok(got, 'object vanished during overwrite');
        assert.ok(got.equals(A) || got.equals(B), `torn read of ${got.length} bytes`);
      };
      const readers = Array.from({ length: 4 }, async (_, k) => {
        while (writing) {
          if (k % 2) check(await d.getContent('atomic/obj'));
          else check(await readAll(await d.reader('atomic/obj')));
        }
      });
      await Promise.all([writer, ...readers]);
    });

    test('reader streams from an offset; offsets at or past the end give an empty stream', async () => {
      const d = await makeDriver();
      await d.putContent('r/obj', buf('0123456789'));
      assert.equal((await readAll(await d.reader('r/obj'))).toString(), '0123456789');
      assert.equal((await readAll(await d.reader('r/obj', 0))).toString(), '0123456789');
      assert.equal((await readAll(await d.reader('r/obj', 4))).toString(), '456789');
      assert.equal((await readAll(await d.reader('r/obj', 9))).toString(), '9');
      assert.equal((await readAll(await d.reader('r/obj', 10))).length, 0);
      assert.equal((await readAll(await d.reader('r/obj', 1000))).length, 0);
    });

    test('reader of an absent path or a prefix throws PathNotFoundError', async () => {
      const d = await makeDriver();
      await assert.rejects(d.reader('absent'), PathNotFoundError);
      await d.putContent('dir/obj', buf('x'));
      await assert.rejects(d.reader('dir'), PathNotFoundError);
      await assert.rejects(d.reader('dir/obj/below'), PathNotFoundError);
    });

    test('append creates the object and returns the new size after each call', async () => {
      const d = await makeDriver();
      assert.equal(await d.append('up/1/data', src('abc')), 3);
      assert.equal(await d.append('up/1/data', src('de', 'f', 'ghij')), 10);
      assert.equal(await d.append('up/1/data', src()), 10, 'an empty append changes nothing');
      assert.equal((await d.getContent('up/1/data'))?.toString(), 'abcdefghij');
      assert.equal((await d.stat('up/1/data'))?.size, 10);
      assert.equal(await d.append('up/2/data', src()), 0, 'an empty first append creates an empty object');
      assert.equal((await d.stat('up/2/data'))?.size, 0);
    });

    test('append of a failing stream rejects; the object keeps at least its old content', async () => {
      const d = await makeDriver();
      await d.append('fail/data', src('keep'));
      const failing = Readable.from(
        (async function* () {
          yield Buffer.from('more');
          throw new Error('client went away');
        })(),
      );
      await assert.rejects(d.append('fail/data', failing), /client went away/);
      const got = (await d.getContent('fail/data'))?.toString() ?? '';
      assert.ok(got.startsWith('keep'), got);
      assert.equal((await d.stat('fail/data'))?.size, got.length, 'stat agrees with content');
    });

    test('stat: absent is undefined; objects have size; prefixes are directories', async () => {
      const d = await makeDriver();
      assert.equal(await d.stat('nothing'), undefined);
      const before = Date.now();
      await d.putContent('s/t/obj', buf('12345'));
      const file = await d.stat('s/t/obj');
      assert.ok(file);
      assert.equal(file.size, 5);
      assert.equal(file.isDir, false);
      assert.equal(file.path, 's/t/obj');
      assert.ok(file.modTime instanceof Date);
      assert.ok(file.modTime.getTime() >= before - 2000, 'modTime is the write time');
      const dir = await d.stat('s/t');
      assert.ok(dir);
      assert.equal(dir.isDir, true);
      assert.equal(await d.stat('s/t/obj/below'), undefined);
    });

    test('list: direct children sorted; absent prefix and object keys list empty; root lists top level', async () => {
      const d = await makeDriver();
      assert.deepEqual(await d.list('absent'), []);
      assert.deepEqual(await d.list(''), []);
      await d.putContent('l/b', buf('1'));
      await d.putContent('l/a/x', buf('2'));
      await d.putContent('l/c/y/z', buf('3'));
      await d.putContent('top', buf('4'));
      assert.deepEqual(await d.list('l'), ['a', 'b', 'c']);
      assert.deepEqual(await d.list('l/c'), ['y']);
      assert.deepEqual(await d.list('l/b'), []);
      assert.deepEqual(await d.list(''), ['l', 'top']);
    });

    test('move: moves content, creates the target prefix, replaces an existing target', async () => {
      const d = await makeDriver();
      await d.putContent('m/src', buf('new'));
      await d.putContent('n/o/dst', buf('old, longer content'));
      await d.move('m/src', 'n/o/dst');
      assert.deepEqual(await d.getContent('n/o/dst'), buf('new'));
      assert.equal(await d.getContent('m/src'), undefined);
      assert.equal(await d.stat('m/src'), undefined);
      await d.putContent('m/src2', buf('fresh'));
      await d.move('m/src2', 'brand/new/prefix/obj');
      assert.deepEqual(await d.getContent('brand/new/prefix/obj'), buf('fresh'));
      assert.deepEqual(await d.list('m'), [], 'the emptied source prefix lists empty');
    });

    test('move of an absent source throws PathNotFoundError and leaves the target alone', async () => {
      const d = await makeDriver();
      await d.putContent('keep', buf('k'));
      await assert.rejects(d.move('missing', 'keep'), PathNotFoundError);
      assert.deepEqual(await d.getContent('keep'), buf('k'));
    });

    test('delete: an object, a whole prefix, and an absent path (no error)', async () => {
      const d = await makeDriver();
      await d.putContent('del/one', buf('1'));
      await d.putContent('del/tree/a', buf('2'));
      await d.putContent('del/tree/b/c', buf('3'));
      await d.delete('del/one');
      assert.equal(await d.getContent('del/one'), undefined);
      await d.delete('del/tree');
      assert.equal(await d.getContent('del/tree/b/c'), undefined);
      assert.equal(await d.stat('del/tree'), undefined);
      assert.deepEqual(await d.list('del'), []);
      await d.delete('never/was');
      await d.delete('del');
      assert.deepEqual(await d.list(''), []);
    });

    test('writes after a delete of their prefix work (no stale directory state)', async () => {
      const d = await makeDriver();
      await d.putContent('w/x/y', buf('1'));
      await d.delete('w/x/y');
      await d.putContent('w/x/y', buf('2'));
      assert.deepEqual(await d.getContent('w/x/y'), buf('2'));
      await d.delete('w');
      assert.equal(await d.append('w/x/z', src('ab')), 2);
    });

    test('concurrent deletes and writes under one prefix never fail the writes', async () => {
      const d = await makeDriver();
      const writes = Array.from({ length: 40 }, async (_, i) => {
        await d.putContent(`race/p${i % 4}/obj${i}`, buf(String(i)));
        await d.delete(`race/p${i % 4}/obj${i}`);
      });
      await Promise.all(writes);
      assert.deepEqual(await d.list('race'), []);
    });

    test('sync (when implemented) accepts an existing object', async () => {
      const d = await makeDriver();
      await d.putContent('sy/obj', buf('x'));
      await d.sync?.('sy/obj');
    });

    test('openCopier (when implemented): exact ranges across its buffers, absent paths, a closing sink', async (t) => {
      const d = await makeDriver();
      if (!d.openCopier) return t.skip('not implemented');
      await assert.rejects(d.openCopier('cp/absent'), PathNotFoundError);
      await d.putContent('cp/dir/obj', buf('x'));
      await assert.rejects(d.openCopier('cp/dir'), PathNotFoundError);
      // Larger than the copier's buffers together, with an odd tail.
      const big = Buffer.alloc(5 * 1024 * 1024 + 7);
      for (let i = 0; i < big.length; i += 4096) big.writeUInt32BE(i, i);
      await d.putContent('cp/big', big);
      const copier = await d.openCopier('cp/big');
      try {
        assert.equal(copier.size, big.length);
        for (const [start, end] of [
          [0, big.length - 1],
          [1, 1],
          [1024 * 1024 - 1, 3 * 1024 * 1024 + 1],
          [big.length - 10, big.length + 100],
        ] as const) {
          const chunks: Buffer[] = [];
          const sink = new Writable({
            write(chunk: Buffer, _e, cb) {
              chunks.push(Buffer.from(chunk)); // a copy: the copier reuses its buffers
              cb();
            },
          });
          await copier.copyTo(sink, start, end);
          assert.deepEqual(
            Buffer.concat(chunks),
            big.subarray(start, Math.min(end, big.length - 1) + 1),
            `${start}-${end}`,
          );
        }
        const closing = new Writable({
          write(_chunk, _e, cb) {
            this.destroy();
            cb();
          },
        });
        await assert.rejects(copier.copyTo(closing, 0, big.length - 1));
      } finally {
        await copier.close();
      }
    });

    test('invalid paths are rejected by every method, and nothing is written', async () => {
      const d = await makeDriver();
      await d.putContent('safe/obj', buf('x'));
      for (const p of BAD_PATHS) {
        await assert.rejects(d.putContent(p, buf('evil')), `putContent ${JSON.stringify(p)}`);
        await assert.rejects(d.append(p, src('evil')), `append ${JSON.stringify(p)}`);
        await assert.rejects(d.reader(p), `reader ${JSON.stringify(p)}`);
        await assert.rejects(d.getContent(p), `getContent ${JSON.stringify(p)}`);
        await assert.rejects(d.move('safe/obj', p), `move to ${JSON.stringify(p)}`);
        await assert.rejects(d.move(p, 'safe/other'), `move from ${JSON.stringify(p)}`);
        await assert.rejects(d.delete(p), `delete ${JSON.stringify(p)}`);
        if (p !== '') {
          await assert.rejects(d.stat(p), `stat ${JSON.stringify(p)}`);
          await assert.rejects(d.list(p), `list ${JSON.stringify(p)}`);
        }
      }
      assert.deepEqual(await d.list(''), ['safe']);
      assert.deepEqual(await d.getContent('safe/obj'), buf('x'));
    });
  });
}
