import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { type Duplex, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  compressStream,
  decompressAuto,
  decompressStream,
  limitStream,
  sniffCompression,
} from '../../src/image/compression.js';
import type { Compression } from '../../src/oci/media-types.js';

async function run(input: Buffer, ...streams: Duplex[]): Promise<Buffer> {
  const out: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      out.push(chunk);
      cb();
    },
  });
  await pipeline([Readable.from([input]), ...streams, sink]);
  return Buffer.concat(out);
}

/** 3 MiB: random bytes and a compressible stretch, written in several chunks. */
const payload = Buffer.concat([randomBytes(1 << 20), Buffer.alloc(2 << 20, 'hull layer ')]);

describe('compression', () => {
  for (const kind of ['none', 'gzip', 'zstd'] as Compression[]) {
    it(`round-trips ${kind}`, async () => {
      const packed = await run(payload, compressStream(kind));
      assert.equal(sniffCompression(packed), kind);
      if (kind !== 'none') assert.ok(packed.length < payload.length);
      assert.ok((await run(packed, decompressStream(kind))).equals(payload));
      assert.ok((await run(packed, decompressAuto())).equals(payload), 'decompressAuto');
    });
  }

  it('compresses zstd reproducibly at a given level', async () => {
    const a = await run(payload, compressStream('zstd', 5));
    const b = await run(payload, compressStream('zstd', 5));
    assert.ok(a.equals(b));
  });

  it('decompresses multi-member gzip', async () => {
    const two = Buffer.concat([gzipSync('hello '), gzipSync('world')]);
    assert.equal((await run(two, decompressStream('gzip'))).toString(), 'hello world');
  });

  it('sniffs compression from the first bytes', () => {
    assert.equal(sniffCompression(Buffer.from([0x1f, 0x8b, 8, 0])), 'gzip');
    assert.equal(sniffCompression(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0])), 'zstd');
    assert.equal(sniffCompression(Buffer.from('ustar')), 'none');
    assert.equal(sniffCompression(Buffer.alloc(0)), 'none');
  });

  it('handles tiny and empty input in decompressAuto', async () => {
    assert.equal((await run(Buffer.from('ab'), decompressAuto())).toString(), 'ab');
    assert.equal((await run(Buffer.alloc(0), decompressAuto())).length, 0);
  });

  it('fails on a truncated gzip stream', async () => {
    const packed = await run(payload, compressStream('gzip'));
    await assert.rejects(run(packed.subarray(0, packed.length - 100), decompressStream('gzip')));
  });

  it('fails on a corrupt zstd stream with zstd’s message', async () => {
    const packed = await run(payload, compressStream('zstd'));
    const corrupt = Buffer.from(packed);
    for (let i = 100; i < corrupt.length; i += 997) corrupt[i]! ^= 0x5a;
    await assert.rejects(run(corrupt, decompressStream('zstd')), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'ZSTD_FAILED');
      assert.match(err.message, /zstd decompression failed: zstd exited with status \d+/);
      return true;
    });
    await assert.rejects(run(packed.subarray(0, packed.length - 10), decompressStream('zstd')), {
      code: 'ZSTD_FAILED',
    });
  });

  it('reports a missing zstd binary clearly', async () => {
    const saved = process.env.HULL_ZSTD;
    process.env.HULL_ZSTD = '/nonexistent/zstd';
    try {
      await assert.rejects(run(payload, compressStream('zstd')), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'ZSTD_MISSING');
        assert.match(err.message, /install Debian's zstd package/);
        return true;
      });
    } finally {
      if (saved === undefined) delete process.env.HULL_ZSTD;
      else process.env.HULL_ZSTD = saved;
    }
  });

  it('kills zstd when the stream is destroyed early', async () => {
    const z = compressStream('zstd');
    z.write(payload);
    const closed = new Promise((resolve) => z.on('close', resolve));
    z.destroy();
    await closed; // and the test process does not hang on a live child
  });

  it('limitStream errors once more than its limit passes', async () => {
    assert.equal((await run(Buffer.alloc(100), limitStream(100, 'layer'))).length, 100);
    await assert.rejects(run(Buffer.alloc(101), limitStream(100, 'layer')), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'LAYER_TOO_LARGE');
      assert.match(err.message, /layer: more than 100 bytes/);
      return true;
    });
  });

  it('stops a decompression bomb', async () => {
    const bomb = gzipSync(Buffer.alloc(64 << 20));
    await assert.rejects(run(bomb, decompressStream('gzip'), limitStream(1 << 20, 'bomb')), {
      code: 'LAYER_TOO_LARGE',
    });
  });
});
