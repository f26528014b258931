/**
 * The native layer decoder (src/image/layer/decode-native.ts, native/addon/layer_decoder.cc):
 * which layers it takes, that its stream gives exactly the tar whether chunks are lent or
 * copied, that a lending consumer bounds how far it decodes ahead, that sha512 digests work,
 * and that the blob's descriptor is closed once the stream ends or is destroyed. (Error cases,
 * the same for every inflater, are in unpack-gunzip.test.ts and unpack-decode.test.ts.)
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { fstatSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { type DecodedStream, decodeLayer } from '../../../src/image/layer/decode.js';
import { native } from '../../../src/native.js';
import { digestOf } from '../../../src/oci/digest.js';
import { tempDir } from '../../helpers/fixtures.js';
import { tarOf } from '../../helpers/hostile-layers.js';

const isal = (native() as unknown as { inflateAvailable(): boolean }).inflateAvailable();

function fdClosed(fd: number): boolean {
  try {
    fstatSync(fd);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EBADF';
  }
}

/** A gzip layer of ~12 MiB of tar (more than the 8 MiB ring), written to a file. */
function gzipLayer(): { path: string; blob: Buffer; tar: Buffer } {
  const tar = tarOf([
    { name: 'big', body: randomBytes(12 << 20) },
    { name: 'small', body: 'x' },
  ]);
  const blob = gzipSync(tar, { level: 1 });
  const path = join(tempDir(), 'blob');
  writeFileSync(path, blob);
  return { path, blob, tar };
}

function open(
  path: string,
  blob: Buffer,
  tar: Buffer,
  extra: { lend?: boolean; window?: number; mmap?: boolean } = {},
) {
  const fd = openSync(path, 'r');
  const s = decodeLayer({
    fd,
    compression: 'gzip',
    blob: { digest: digestOf(blob), size: blob.length, label: path },
    diff: { digest: digestOf(tar), label: 'diff' },
    ...extra,
  });
  return { fd, s };
}

describe('native layer decoder', { skip: !isal && 'no ISA-L' }, () => {
  it('takes gzip layers (ISA-L) and gives the exact tar; the blob fd is closed at the end', async () => {
    const { path, blob, tar } = gzipLayer();
    const { fd, s } = open(path, blob, tar);
    assert.equal((s as DecodedStream).gunzip, 'isal');
    const chunks: Buffer[] = [];
    for await (const c of s) chunks.push(c as Buffer);
    assert.ok(Buffer.concat(chunks).equals(tar));
    assert.ok(fdClosed(fd), 'the blob fd is closed once the stream ended');
  });

  it('without lend, chunks are copies: a consumer that never hands them back reads it all (paused-mode read())', async () => {
    const { path, blob, tar } = gzipLayer();
    const { s } = open(path, blob, tar, { lend: false, window: 2 << 20 });
    // stream.read() concatenates what is buffered: lent ring buffers would never come back.
    const got: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      s.on('readable', () => {
        for (let c = s.read(); c !== null; c = s.read()) got.push(c as Buffer);
      });
      s.on('end', resolve);
      s.on('error', reject);
    });
    assert.ok(Buffer.concat(got).equals(tar));
  });

  it('with lend, decoding stops at the ring until chunks are handed back, then resumes to the end', async () => {
    const { path, blob, tar } = gzipLayer();
    const { s } = open(path, blob, tar, { lend: true, window: 2 << 20 });
    const held: Buffer[] = [];
    const it = s[Symbol.asyncIterator]();
    // Hold chunks without recycling: the 2-buffer ring runs out, and no more data comes.
    const first = await it.next();
    held.push(first.value as Buffer);
    const second = await it.next();
    held.push(second.value as Buffer);
    const pending = it.next();
    const stalled = await Promise.race([
      pending.then(() => 'data'),
      new Promise((r) => setTimeout(() => r('stalled'), 300)),
    ]);
    assert.equal(stalled, 'stalled', 'the decoder ran past its ring while every buffer was lent');
    let decoded = 0;
    (s as DecodedStream).onDecoded(() => decoded++);
    assert.equal(decoded, 0, 'onDecoded ran while most of the layer was still to decode');
    // Copy what was held and hand it back: the pending read gets its chunk, and the rest follows.
    const out = held.map((c) => Buffer.from(c));
    for (const c of held) (s as DecodedStream).recycle(c);
    for (let r = await pending; !r.done; r = await it.next()) {
      out.push(Buffer.from(r.value as Buffer));
      (s as DecodedStream).recycle(r.value as Buffer);
    }
    assert.ok(Buffer.concat(out).equals(tar));
    assert.equal(decoded, 1, 'onDecoded runs once, by the end of the stream');
    (s as DecodedStream).onDecoded(() => decoded++);
    assert.equal(decoded, 2, 'onDecoded after the end runs at once');
  });

  it('an uncompressed layer with sha512 digests is verified natively, each digest by its own algorithm', async () => {
    const tar = tarOf([{ name: 'f', body: randomBytes(3 << 20) }]);
    const path = join(tempDir(), 'plain');
    writeFileSync(path, tar);
    const sha512 = `sha512:${createHash('sha512').update(tar).digest('hex')}`;
    for (const diff of [sha512, digestOf(tar)]) {
      const s = decodeLayer({
        fd: openSync(path, 'r'),
        compression: 'none',
        blob: { digest: sha512, size: tar.length, label: path },
        diff: { digest: diff, label: 'diff' },
        lend: true,
      });
      const chunks: Buffer[] = [];
      for await (const c of s) {
        chunks.push(Buffer.from(c as Buffer));
        (s as DecodedStream).recycle(c as Buffer);
      }
      assert.ok(Buffer.concat(chunks).equals(tar), diff);
    }
    const wrong = `sha512:${'0'.repeat(128)}`;
    const bad = decodeLayer({
      fd: openSync(path, 'r'),
      compression: 'none',
      blob: { digest: sha512, size: tar.length, label: path },
      diff: { digest: wrong, label: 'the diff' },
    });
    await assert.rejects(
      (async () => {
        for await (const _ of bad);
      })(),
      (err: Error & { code?: string }) => err.code === 'DIGEST_MISMATCH' && /the diff/.test(err.message),
    );
  });

  it('a blob read with pread (the fallback where mmap fails) decodes and fails exactly as a mapped one', async () => {
    const drain = async (s: NodeJS.ReadableStream): Promise<Buffer> => {
      const chunks: Buffer[] = [];
      for await (const c of s) chunks.push(Buffer.from(c as Buffer));
      return Buffer.concat(chunks);
    };
    const { path, blob, tar } = gzipLayer();
    for (const mmap of [true, false]) {
      // The flag is honoured: the blob is in this process's mappings while it decodes, or not.
      const { s } = open(path, blob, tar, { mmap });
      const it = s[Symbol.asyncIterator]();
      const first = await it.next();
      assert.equal(readFileSync('/proc/self/maps', 'utf8').includes(path), mmap, `blob mapped with mmap ${mmap}`);
      const rest: Buffer[] = [Buffer.from(first.value as Buffer)];
      for (let r = await it.next(); !r.done; r = await it.next()) rest.push(Buffer.from(r.value as Buffer));
      assert.ok(Buffer.concat(rest).equals(tar), `mmap ${mmap}`);
    }
    // A corrupt byte: the blob's digest names the cause, whichever way it was read.
    const bad = Buffer.from(blob);
    const at = bad.length >> 1;
    bad[at] = (bad[at] as number) ^ 0x55;
    const badPath = join(tempDir(), 'bad');
    writeFileSync(badPath, bad);
    // Cut short inside the deflate data, with the digest and size of what is there.
    const cut = blob.subarray(0, blob.length >> 1);
    const cutPath = join(tempDir(), 'cut');
    writeFileSync(cutPath, cut);
    for (const mmap of [true, false]) {
      // The good blob's descriptor over the corrupt file.
      const { s } = open(badPath, blob, tar, { mmap });
      await assert.rejects(drain(s), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'DIGEST_MISMATCH', `mmap ${mmap}: ${err.message}`);
        assert.match(err.message, new RegExp(`^${badPath}: content digest sha256:[0-9a-f]{64} does not match`));
        return true;
      });
      const { s: t } = open(cutPath, cut, tar, { mmap });
      await assert.rejects(drain(t), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'Z_BUF_ERROR', `mmap ${mmap}: ${err.message}`);
        assert.match(err.message, /unexpected end of file/);
        return true;
      });
    }
  });

  it('destroying the stream part-way stops the threads and closes the blob fd', async () => {
    const { path, blob, tar } = gzipLayer();
    for (let i = 0; i < 6; i++) {
      const { fd, s } = open(path, blob, tar, { lend: i % 2 === 0 });
      let k = 0;
      for await (const _ of s) if (++k > i % 3) break;
      assert.ok(s.destroyed);
      assert.ok(fdClosed(fd), `fd closed after destroy (round ${i})`);
    }
  });
});
