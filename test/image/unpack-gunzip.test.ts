/**
 * The gzip inflaters of the layer decoder (src/image/layer/gunzip-tool.ts): ISA-L in the native
 * addon (the default where libisal2 is installed), the `igzip` program (HULL_GZIP=igzip only) and
 * node:zlib (HULL_GZIP=zlib, the fallback). Each must give the same tree for the same image,
 * and the same errors for bad gzip data — LAYER_INVALID naming the layer, no bundle left —
 * with the blob digest and diff_id still checked (unpack-decode.test.ts covers those).
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { HullError } from '../../src/errors.js';
import { type DecodedStream, decodeLayer } from '../../src/image/layer/decode.js';
import { gzipInflater } from '../../src/image/layer/gunzip-tool.js';
import { ImageLayout } from '../../src/image/layout/layout.js';
import { unpackImage } from '../../src/image/unpack.js';
import { native } from '../../src/native.js';
import { digestOf } from '../../src/oci/digest.js';
import { MediaType } from '../../src/oci/media-types.js';
import { tempDir } from '../helpers/fixtures.js';
import { type TarSpec, tarOf } from '../helpers/hostile-layers.js';

const isalBuilt = (native() as unknown as { inflateAvailable(): boolean }).inflateAvailable();
const igzipInstalled = existsSync('/usr/bin/igzip');
const modes = ['zlib', ...(isalBuilt ? ['isal'] : []), ...(igzipInstalled ? ['igzip'] : [])];

const savedEnv = { HULL_GZIP: process.env.HULL_GZIP, HULL_IGZIP: process.env.HULL_IGZIP };
after(() => {
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

function withMode<T>(mode: string | undefined, fn: () => Promise<T>): Promise<T> {
  if (mode === undefined) delete process.env.HULL_GZIP;
  else process.env.HULL_GZIP = mode;
  return fn();
}

/** An image of gzip layers given as compressed blobs, with diff_ids of their tars. */
async function putImage(layers: { blob: Buffer; tar: Buffer }[]): Promise<ImageLayout> {
  const layout = await ImageLayout.create(join(tempDir(), 'layout'));
  const descs = [];
  for (const l of layers) descs.push(await layout.putBlobBuffer(l.blob, MediaType.layerTarGzip));
  const config = await layout.putJSON(
    {
      architecture: process.arch === 'arm64' ? 'arm64' : 'amd64',
      os: 'linux',
      config: { Cmd: ['/bin/sh'] },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => digestOf(l.tar)) },
    },
    MediaType.imageConfig,
  );
  const manifest = await layout.putJSON(
    { schemaVersion: 2, mediaType: MediaType.imageManifest, config, layers: descs },
    MediaType.imageManifest,
  );
  await layout.tag('t', manifest);
  return layout;
}

/** Every path under root with its type, mode, owner, mtime and content digest (or link target). */
function treeOf(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, rel: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(p);
      let what = '';
      if (st.isFile()) what = createHash('sha256').update(readFileSync(p)).digest('hex');
      else if (st.isSymbolicLink()) what = `-> ${readlinkSync(p)}`;
      out.push(`${r} ${st.mode.toString(8)} ${st.uid}:${st.gid} ${st.mtimeMs} ${st.size} ${what}`);
      if (st.isDirectory()) walk(p, r);
    }
  };
  walk(root, '');
  return out;
}

function isCode(code: string, message?: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof HullError, `expected HullError, got ${err}`);
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    return true;
  };
}

/** Layers that exercise the inflaters: one bigger than the decode window, multi-member gzip, zero padding. */
function sampleLayers(): { blob: Buffer; tar: Buffer }[] {
  const files: TarSpec[] = [{ name: 'etc', type: 'dir', mode: 0o755, mtime: 1_600_000_000 }];
  for (let i = 0; i < 300; i++)
    files.push({ name: `etc/f${i}`, body: randomBytes(i * 37).toString('base64'), mode: 0o640, uid: i, gid: i + 1 });
  files.push({ name: 'big', body: randomBytes(12 << 20) });
  files.push({ name: 'lnk', type: 'symlink', linkname: 'etc/f1' });
  const one = tarOf(files);
  const two = tarOf([
    { name: 'etc/f1', body: 'replaced' },
    { name: 'two', type: 'dir' },
  ]);
  // RFC 1952 §2.2: a gzip file may be several members; zero bytes after the last are padding.
  const half = two.length >> 1;
  const multi = Buffer.concat([gzipSync(two.subarray(0, half)), gzipSync(two.subarray(half)), Buffer.alloc(512)]);
  return [
    { blob: gzipSync(one, { level: 1 }), tar: one },
    { blob: multi, tar: two },
  ];
}

describe('gzip inflaters (HULL_GZIP)', () => {
  it('picks ISA-L by default where it is available (else zlib), and names a bad value or a missing tool', async () => {
    await withMode(undefined, async () => {
      assert.equal(gzipInflater().via, isalBuilt ? 'isal' : 'zlib');
    });
    await withMode('zlib', async () => assert.deepEqual(gzipInflater(), { via: 'zlib' }));
    await withMode('pigz', async () => assert.throws(() => gzipInflater(), isCode('HULL_GZIP_INVALID', /pigz/)));
    if (igzipInstalled) await withMode('igzip', async () => assert.equal(gzipInflater().via, 'igzip'));
    process.env.HULL_IGZIP = '/nonexistent/igzip';
    try {
      await withMode('igzip', async () => assert.throws(() => gzipInflater(), isCode('IGZIP_MISSING', /isal/)));
    } finally {
      delete process.env.HULL_IGZIP;
    }
  });

  it('every inflater gives the same tree for the same image (multi-member, zero padding, > window)', async () => {
    const layout = await putImage(sampleLayers());
    const trees = new Map<string, string[]>();
    for (const mode of modes) {
      const bundle = join(tempDir(), `b-${mode}`);
      await withMode(mode, () => unpackImage(layout, bundle, { tag: 't' }));
      trees.set(mode, treeOf(join(bundle, 'rootfs')));
    }
    const zlibTree = trees.get('zlib')!;
    assert.ok(zlibTree.some((l) => l.startsWith('big ')));
    assert.ok(zlibTree.some((l) => l.startsWith('two ')));
    for (const [mode, tree] of trees) assert.deepEqual(tree, zlibTree, `${mode} differs from zlib`);
  });

  it('the decode stream goes through ISA-L when it is available', { skip: !isalBuilt && 'no ISA-L' }, async () => {
    const [layer] = sampleLayers();
    const layout = await putImage([layer!]);
    const path = layout.blobPath(digestOf(layer!.blob));
    const s = await withMode(undefined, async () =>
      decodeLayer({
        fd: openSync(path, 'r'),
        compression: 'gzip',
        blob: { digest: digestOf(layer!.blob), size: layer!.blob.length, label: path },
        diff: { digest: digestOf(layer!.tar), label: 'diff' },
      }),
    );
    assert.equal((s as DecodedStream).gunzip, 'isal');
    const chunks: Buffer[] = [];
    for await (const c of s) chunks.push(c as Buffer);
    assert.ok(Buffer.concat(chunks).equals(layer!.tar));
  });

  it('HULL_GZIP=igzip runs the igzip program (HULL_IGZIP names it)', {
    skip: !igzipInstalled && 'no igzip',
  }, async () => {
    const dir = tempDir();
    const log = join(dir, 'ran');
    const wrapper = join(dir, 'igzip-wrapper');
    writeFileSync(wrapper, `#!/bin/sh\necho "$@" >> ${log}\nexec /usr/bin/igzip "$@"\n`);
    chmodSync(wrapper, 0o755);
    process.env.HULL_IGZIP = wrapper;
    try {
      const layout = await putImage(sampleLayers());
      const bundle = join(dir, 'b');
      await withMode('igzip', () => unpackImage(layout, bundle, { tag: 't' }));
      assert.deepEqual(readFileSync(log, 'utf8').trim().split('\n'), ['-d -c', '-d -c']);
      assert.equal(readFileSync(join(bundle, 'rootfs/etc/f1'), 'utf8'), 'replaced');
    } finally {
      delete process.env.HULL_IGZIP;
    }
  });

  for (const mode of modes) {
    describe(`HULL_GZIP=${mode}`, () => {
      it('corrupt deflate data under a matching digest is LAYER_INVALID naming the layer; no bundle is left', async () => {
        const tar = tarOf([{ name: 'a', body: randomBytes(200_000).toString('hex') }]);
        const blob = gzipSync(tar);
        for (let i = 40; i < blob.length - 40; i += 97) blob[i] = blob[i]! ^ 0x55;
        const layout = await putImage([{ blob, tar }]);
        const bundle = join(tempDir(), 'b');
        await assert.rejects(
          withMode(mode, () => unpackImage(layout, bundle, { tag: 't' })),
          isCode('LAYER_INVALID', new RegExp(`layer ${digestOf(blob)}: cannot read the layer: `)),
        );
        assert.equal(existsSync(bundle), false);
      });

      it('gzip data that stops inside a member is LAYER_INVALID: unexpected end of file', async () => {
        const tar = tarOf([{ name: 'a', body: randomBytes(300_000) }]);
        const blob = gzipSync(tar).subarray(0, 150_000);
        const layout = await putImage([{ blob, tar }]);
        const bundle = join(tempDir(), 'b');
        await assert.rejects(
          withMode(mode, () => unpackImage(layout, bundle, { tag: 't' })),
          isCode('LAYER_INVALID', /unexpected end of file/),
        );
        assert.equal(existsSync(bundle), false);
      });

      it('a layer that is not gzip at all is LAYER_INVALID: incorrect header check', async () => {
        const tar = tarOf([{ name: 'a', body: 'plain' }]);
        const layout = await putImage([{ blob: tar, tar }]);
        await assert.rejects(
          withMode(mode, () => unpackImage(layout, join(tempDir(), 'b'), { tag: 't' })),
          isCode('LAYER_INVALID', /incorrect header check/),
        );
      });

      it('streams destroyed part-way, again and again, leave the decoder working (no crash, no hang)', async () => {
        const [layer] = sampleLayers();
        const layout = await putImage([layer!]);
        const digest = digestOf(layer!.blob);
        const open = () =>
          withMode(mode, async () =>
            decodeLayer({
              fd: openSync(layout.blobPath(digest), 'r'),
              compression: 'gzip',
              blob: { digest, size: layer!.blob.length, label: 'blob' },
              diff: { digest: digestOf(layer!.tar), label: 'diff' },
            }),
          );
        // Destroying a stream ends its job and, the job having failed, the decoder thread while
        // an inflate may still be running on the thread pool.
        for (let i = 0; i < 12; i++) {
          let k = 0;
          for await (const _ of await open()) if (++k > i % 4) break;
          await new Promise((r) => setTimeout(r, i % 3));
        }
        const chunks: Buffer[] = [];
        for await (const c of await open()) chunks.push(c as Buffer);
        assert.ok(Buffer.concat(chunks).equals(layer!.tar));
      });

      it('a decompression bomb stops at maxLayerBytes with LAYER_TOO_LARGE', async () => {
        const tar = tarOf([{ name: 'zeros', body: Buffer.alloc(64 << 20) }]);
        const layout = await putImage([{ blob: gzipSync(tar, { level: 9 }), tar }]);
        const bundle = join(tempDir(), 'b');
        await assert.rejects(
          withMode(mode, () => unpackImage(layout, bundle, { tag: 't', maxLayerBytes: 4 << 20 })),
          isCode('LAYER_TOO_LARGE'),
        );
        assert.equal(existsSync(bundle), false);
      });
    });
  }
});
