/**
 * unpackImage's layer decoding in a worker thread (src/image/layer/decode.ts): every layer is
 * verified against its digest, size and diff_id; any mismatch fails the unpack with the same
 * errors as VerifyingStream, removes the bundle, and leaves no worker running (a hang here
 * would time the test file out).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { HullError } from '../../src/errors.js';
import { decodeLayer } from '../../src/image/layer/decode.js';
import { ImageLayout } from '../../src/image/layout/layout.js';
import { unpackImage } from '../../src/image/unpack.js';
import { digestOf } from '../../src/oci/digest.js';
import { MediaType } from '../../src/oci/media-types.js';
import type { Descriptor } from '../../src/oci/types.js';
import { tempDir } from '../helpers/fixtures.js';
import { type TarSpec, tarOf } from '../helpers/hostile-layers.js';

interface LayerSpec {
  tar: Buffer;
  compression: 'none' | 'gzip' | 'zstd';
  /** Overrides the diff_id recorded in the config. */
  diffID?: string;
}

function compress(tar: Buffer, kind: LayerSpec['compression']): Buffer {
  if (kind === 'gzip') return gzipSync(tar);
  if (kind === 'zstd') return execFileSync('zstd', ['-q', '-c', '-3'], { input: tar, maxBuffer: 1 << 30 });
  return tar;
}

const layerType = { none: MediaType.layerTar, gzip: MediaType.layerTarGzip, zstd: MediaType.layerTarZstd };

async function putImage(specs: LayerSpec[]): Promise<{ layout: ImageLayout; layers: Descriptor[] }> {
  const layout = await ImageLayout.create(join(tempDir(), 'layout'));
  const layers: Descriptor[] = [];
  for (const s of specs)
    layers.push(await layout.putBlobBuffer(compress(s.tar, s.compression), layerType[s.compression]));
  const config = await layout.putJSON(
    {
      architecture: process.arch === 'arm64' ? 'arm64' : 'amd64',
      os: 'linux',
      config: { Cmd: ['/bin/sh'] },
      rootfs: { type: 'layers', diff_ids: specs.map((s) => s.diffID ?? digestOf(s.tar)) },
    },
    MediaType.imageConfig,
  );
  const manifest = await layout.putJSON(
    { schemaVersion: 2, mediaType: MediaType.imageManifest, config, layers },
    MediaType.imageManifest,
  );
  await layout.tag('t', manifest);
  return { layout, layers };
}

const small = (name: string, body: string | Buffer): TarSpec[] => [
  { name: 'd', type: 'dir' },
  { name: `d/${name}`, body },
];

/** A tar bigger than the decoder's window (8 MiB), so credits and pausing are exercised. */
const big = (body = randomBytes(20 << 20)): Buffer => tarOf([{ name: 'big', body }, ...small('after-big', 'x')]);

function isCode(code: string, message?: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof HullError, `expected HullError, got ${err}`);
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    return true;
  };
}

function flip(path: string, at: (len: number) => number): void {
  const bytes = readFileSync(path);
  const i = at(bytes.length);
  bytes[i] = bytes[i]! ^ 0xff;
  writeFileSync(path, bytes);
}

describe('unpackImage: layers decoded in a worker', () => {
  it('unpacks gzip, zstd and uncompressed layers, one bigger than the window', async () => {
    const body = randomBytes(20 << 20);
    const { layout } = await putImage([
      { tar: big(body), compression: 'gzip' },
      { tar: tarOf(small('z', 'zstd layer')), compression: 'zstd' },
      { tar: tarOf(small('p', 'plain layer')), compression: 'none' },
    ]);
    const bundle = join(tempDir(), 'b');
    const r = await unpackImage(layout, bundle, { tag: 't' });
    assert.equal(r.layers, 3);
    assert.equal(readFileSync(join(bundle, 'rootfs/d/z'), 'utf8'), 'zstd layer');
    assert.equal(readFileSync(join(bundle, 'rootfs/d/p'), 'utf8'), 'plain layer');
    assert.equal(readFileSync(join(bundle, 'rootfs/d/after-big'), 'utf8'), 'x');
    assert.ok(readFileSync(join(bundle, 'rootfs/big')).equals(body));
  });

  it('a corrupt gzip blob is DIGEST_MISMATCH naming the blob, and the bundle is removed', async () => {
    const { layout, layers } = await putImage([
      { tar: big(), compression: 'gzip' },
      { tar: tarOf(small('two', '2')), compression: 'gzip' },
    ]);
    flip(layout.blobPath(layers[0]!.digest), (n) => n >> 1);
    const bundle = join(tempDir(), 'b');
    await assert.rejects(
      unpackImage(layout, bundle, { tag: 't' }),
      isCode('DIGEST_MISMATCH', new RegExp(`${layers[0]!.digest.slice(7)}: content digest sha256:\\w+ does not match`)),
    );
    assert.equal(existsSync(bundle), false);
  });

  it('a corrupt byte near the end (past the deflate data) is still DIGEST_MISMATCH', async () => {
    const { layout, layers } = await putImage([{ tar: tarOf(small('a', 'abc')), compression: 'gzip' }]);
    flip(layout.blobPath(layers[0]!.digest), (n) => n - 3);
    await assert.rejects(unpackImage(layout, join(tempDir(), 'b'), { tag: 't' }), isCode('DIGEST_MISMATCH'));
  });

  it('a wrong diff_id is DIGEST_MISMATCH naming the layer, after the data was decoded', async () => {
    const wrong = digestOf(Buffer.from('not this layer'));
    const { layout, layers } = await putImage([
      { tar: tarOf(small('one', '1')), compression: 'gzip' },
      { tar: big(), compression: 'gzip', diffID: wrong },
    ]);
    const bundle = join(tempDir(), 'b');
    await assert.rejects(
      unpackImage(layout, bundle, { tag: 't' }),
      isCode(
        'DIGEST_MISMATCH',
        new RegExp(`layer ${layers[1]!.digest} \\(diff_id\\): content digest .* does not match ${wrong}`),
      ),
    );
    assert.equal(existsSync(bundle), false);
  });

  it('a wrong diff_id on an uncompressed or zstd layer is DIGEST_MISMATCH too', async () => {
    const wrong = digestOf(Buffer.from('nope'));
    for (const compression of ['none', 'zstd'] as const) {
      const { layout } = await putImage([{ tar: tarOf(small('x', 'x')), compression, diffID: wrong }]);
      await assert.rejects(
        unpackImage(layout, join(tempDir(), 'b'), { tag: 't' }),
        isCode('DIGEST_MISMATCH', /diff_id/),
      );
    }
  });

  it('a truncated blob is SIZE_MISMATCH; a longer one too', async () => {
    for (const cut of [true, false]) {
      const { layout, layers } = await putImage([{ tar: tarOf(small('x', 'x'.repeat(5000))), compression: 'gzip' }]);
      const path = layout.blobPath(layers[0]!.digest);
      const bytes = readFileSync(path);
      writeFileSync(path, cut ? bytes.subarray(0, bytes.length - 10) : Buffer.concat([bytes, Buffer.from('extra')]));
      await assert.rejects(
        unpackImage(layout, join(tempDir(), 'b'), { tag: 't' }),
        isCode('SIZE_MISMATCH', cut ? /is \d+ bytes, not the \d+ bytes its descriptor states/ : /longer than/),
      );
    }
  });

  it('a missing later blob fails with BLOB_UNKNOWN while an earlier layer is still decoding', async () => {
    const { layout, layers } = await putImage([
      { tar: big(), compression: 'gzip' },
      { tar: tarOf(small('two', '2')), compression: 'gzip' },
    ]);
    rmSync(layout.blobPath(layers[1]!.digest));
    const bundle = join(tempDir(), 'b');
    await assert.rejects(unpackImage(layout, bundle, { tag: 't' }), isCode('BLOB_UNKNOWN'));
    assert.equal(existsSync(bundle), false);
  });

  it('destroying a layer stream part-way stops its job and releases the blob', async () => {
    const tar = big();
    const { layout, layers } = await putImage([{ tar, compression: 'gzip' }]);
    const desc = layers[0]!;
    const open = (): Readable =>
      decodeLayer({
        fd: openSync(layout.blobPath(desc.digest), 'r'),
        compression: 'gzip',
        blob: { digest: desc.digest, size: desc.size, label: 'blob' },
        diff: { digest: digestOf(tar), label: 'diff' },
      });
    const s = open();
    for await (const chunk of s) {
      assert.ok(chunk.length > 0);
      break; // destroys the stream
    }
    assert.ok(s.destroyed);
    // The decoder still works for the next stream, and reads the whole layer.
    let total = 0;
    for await (const chunk of open()) total += (chunk as Buffer).length;
    assert.equal(total, tar.length);
  });
});
