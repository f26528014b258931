import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { HullError } from '../../../src/errors.js';
import { applyLayer, applyLayers } from '../../../src/image/layer/apply.js';
import { native } from '../../../src/native.js';
import { busyboxRootfs, tempDir } from '../../helpers/fixtures.js';
import { streamOf, type TarSpec, tarOf } from '../../helpers/hostile-layers.js';
import { diffManifests, treeManifest } from '../../helpers/tree-manifest.js';

const layer = (entries: TarSpec[], chunk?: number): Readable => streamOf(tarOf(entries), chunk);

function gnuTar(dir: string, extra: string[] = []): Readable {
  const p = spawn('tar', ['-C', dir, '--numeric-owner', ...extra, '-cf', '-', '.'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return p.stdout;
}

function ls(dir: string): string[] {
  return readdirSync(dir).sort();
}

describe('applyLayer: a plain tar', () => {
  it('reproduces busybox exactly (treeManifest with mtimes)', async () => {
    const src = busyboxRootfs();
    const dst = join(tempDir(), 'rootfs');
    const stats = await applyLayer(dst, gnuTar(src), { layerLabel: 'busybox' });
    assert.ok(stats.files >= 1 && stats.symlinks > 100, JSON.stringify(stats));
    assert.deepEqual(diffManifests(treeManifest(src, { mtime: true }), treeManifest(dst, { mtime: true })), []);
  });

  it('preserves modes (setuid, setgid, sticky), owners, mtimes, xattrs, devices and fifos', async () => {
    const src = join(tempDir(), 'src');
    mkdirSync(join(src, 'd'), { recursive: true });
    writeFileSync(join(src, 'suid'), 'x');
    const { chmodSync, chownSync, lchownSync, symlinkSync, utimesSync } = await import('node:fs');
    chownSync(join(src, 'suid'), 1000, 1000);
    chmodSync(join(src, 'suid'), 0o4755);
    writeFileSync(join(src, 'sgid'), 'y');
    chownSync(join(src, 'sgid'), 0, 50);
    chmodSync(join(src, 'sgid'), 0o2711);
    chmodSync(join(src, 'd'), 0o1777);
    chownSync(join(src, 'd'), 33, 44);
    writeFileSync(join(src, 'cap'), 'z');
    chownSync(join(src, 'cap'), 7, 7);
    // security.capability v2: cap_net_bind_service (bit 10) permitted+effective.
    const cap = Buffer.alloc(20);
    cap.writeUInt32LE(0x02000001, 0);
    cap.writeUInt32LE(1 << 10, 4);
    native().lsetxattr(join(src, 'cap'), 'security.capability', cap);
    native().lsetxattr(join(src, 'd'), 'user.note', Buffer.from('hello'));
    native().mknod(join(src, 'null'), 0o020666, native().makedev(1, 3));
    native().mknod(join(src, 'loop0'), 0o060660, native().makedev(7, 0));
    native().mknod(join(src, 'fifo'), 0o010600, 0);
    symlinkSync('suid', join(src, 'link'));
    lchownSync(join(src, 'link'), 5, 6);
    utimesSync(join(src, 'suid'), 1_000_000_000, 1_000_000_000);
    utimesSync(join(src, 'd'), 1_100_000_000, 1_100_000_000);
    const dst = join(tempDir(), 'rootfs');
    await applyLayer(dst, gnuTar(src, ['--xattrs', '--xattrs-include=*']));
    assert.deepEqual(diffManifests(treeManifest(src, { mtime: true }), treeManifest(dst, { mtime: true })), []);
    assert.equal(statSync(join(dst, 'd')).mtimeMs, 1_100_000_000_000, 'directory mtime fixed after its children');
    assert.equal(statSync(join(dst, 'suid')).mode & 0o7777, 0o4755);
    assert.deepEqual(native().lgetxattr(join(dst, 'cap'), 'security.capability'), cap);
  });

  it('streams files larger than a chunk and splits headers across chunks', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < big.length; i += 4096) big[i] = i & 0xff;
    const entries: TarSpec[] = [
      { name: 'big', body: big },
      { name: 'small', body: 'small' },
      { name: 'dir/', type: 'dir' },
      { name: `dir/${'n'.repeat(150)}`, body: 'long name via PAX' },
      { name: 'after', body: 'after' },
    ];
    // 1-byte chunks are exercised below with a small tar.
    for (const chunk of [511, 513, 4096, 1 << 20]) {
      const dst = join(tempDir(), 'rootfs');
      const stats = await applyLayer(dst, layer(entries, chunk));
      assert.equal(stats.dataBytes, big.length + 5 + 17 + 5);
      assert.deepEqual(readFileSync(join(dst, 'big')), big);
      assert.equal(readFileSync(join(dst, 'small'), 'utf8'), 'small');
      assert.equal(readFileSync(join(dst, 'dir', 'n'.repeat(150)), 'utf8'), 'long name via PAX');
      assert.equal(readFileSync(join(dst, 'after'), 'utf8'), 'after');
    }
    const dst = join(tempDir(), 'rootfs');
    await applyLayer(
      dst,
      layer(
        [
          { name: 'a/b', body: 'hello' },
          { name: 'c', type: 'symlink', linkname: 'a/b' },
        ],
        1,
      ),
    );
    assert.equal(readFileSync(join(dst, 'c'), 'utf8'), 'hello');
    assert.equal(statSync(join(dst, 'a')).mode & 0o777, 0o755, 'missing parents are made 0755');
  });

  it('applies the ./ entry to the rootfs itself', async () => {
    const dst = join(tempDir(), 'rootfs');
    await applyLayer(dst, layer([{ name: './', type: 'dir', mode: 0o711, uid: 3, gid: 4, mtime: 1_234_567_890 }]));
    const st = statSync(dst);
    assert.equal(st.mode & 0o7777, 0o711);
    assert.equal(st.uid, 3);
    assert.equal(st.mtimeMs, 1_234_567_890_000);
  });
});

describe('applyLayer: changesets over lower layers (layer.md#whiteouts)', () => {
  it('whiteouts remove lower files and directories and are not created', async () => {
    const dst = join(tempDir(), 'rootfs');
    await applyLayer(
      dst,
      layer([
        { name: 'file1', body: '1' },
        { name: 'a/file2', body: '2' },
        { name: 'b/', type: 'dir' },
        { name: 'b/deep/er', body: 'x' },
        { name: 'c/file3', body: '3' },
      ]),
    );
    const s = await applyLayer(
      dst,
      layer([{ name: '.wh.file1' }, { name: 'a/.wh.file2' }, { name: '.wh.b' }, { name: 'file4', body: '4' }]),
    );
    assert.equal(s.whiteouts, 3);
    assert.deepEqual(ls(dst), ['a', 'c', 'file4']);
    assert.deepEqual(ls(join(dst, 'a')), []);
    assert.deepEqual(ls(join(dst, 'c')), ['file3']);
  });

  it('a whiteout of something absent, or of a path this layer wrote, changes nothing', async () => {
    const dst = join(tempDir(), 'rootfs');
    await applyLayer(dst, layer([{ name: 'keep', body: 'new' }, { name: '.wh.keep' }, { name: 'x/.wh.nothing' }]));
    assert.equal(readFileSync(join(dst, 'keep'), 'utf8'), 'new');
  });

  for (const order of ['before', 'after'] as const) {
    it(`opaque whiteout with the marker ${order} same-layer siblings`, async () => {
      const dst = join(tempDir(), 'rootfs');
      await applyLayer(
        dst,
        layer([
          { name: 'a/', type: 'dir' },
          { name: 'a/b/', type: 'dir' },
          { name: 'a/b/c/', type: 'dir' },
          { name: 'a/b/c/bar', body: 'lower' },
          { name: 'a/old', body: 'lower' },
          { name: 'a/olddir/x', body: 'lower' },
          { name: 'other/keep', body: 'lower' },
        ]),
      );
      const marker: TarSpec = { name: 'a/.wh..wh..opq' };
      const siblings: TarSpec[] = [
        { name: 'a/', type: 'dir', mode: 0o750 },
        { name: 'a/b/', type: 'dir' },
        { name: 'a/b/c/', type: 'dir' },
        { name: 'a/b/c/foo', body: 'upper' },
        { name: 'a/new', body: 'upper' },
      ];
      const s = await applyLayer(
        dst,
        layer(order === 'before' ? [siblings[0] as TarSpec, marker, ...siblings.slice(1)] : [...siblings, marker]),
      );
      assert.equal(s.opaqueWhiteouts, 1);
      assert.deepEqual(ls(join(dst, 'a')), ['b', 'new']);
      assert.deepEqual(ls(join(dst, 'a/b/c')), ['foo']);
      assert.equal(statSync(join(dst, 'a')).mode & 0o777, 0o750);
      assert.deepEqual(ls(join(dst, 'other')), ['keep']);
      assert.ok(!existsSync(join(dst, 'a/.wh..wh..opq')));
    });
  }

  it('an opaque marker keeps parents of same-layer files the layer does not list', async () => {
    const dst = join(tempDir(), 'rootfs');
    await applyLayer(
      dst,
      layer([
        { name: 'a/b/c/bar', body: 'lower' },
        { name: 'a/z', body: 'lower' },
      ]),
    );
    await applyLayer(dst, layer([{ name: 'a/b/c/foo', body: 'upper' }, { name: 'a/.wh..wh..opq' }]));
    assert.deepEqual(ls(join(dst, 'a')), ['b']);
    assert.deepEqual(ls(join(dst, 'a/b/c')), ['foo']);
  });

  it('three layers: add, delete, opaque, re-add', async () => {
    const dst = join(tempDir(), 'rootfs');
    const l1 = tarOf([
      { name: 'etc/', type: 'dir' },
      { name: 'etc/conf', body: 'v1' },
      { name: 'bin/', type: 'dir' },
      { name: 'bin/tool', body: 'tool', mode: 0o755 },
      { name: 'bin/tools/one', body: '1' },
    ]);
    const l2 = tarOf([
      { name: 'etc/.wh.conf' },
      { name: 'etc/conf.d/default', body: 'v2' },
      { name: 'bin/.wh..wh..opq' },
    ]);
    const l3 = tarOf([
      { name: 'etc/conf', body: 'v3' },
      { name: 'bin/tool', body: 'v3', mode: 0o700 },
    ]);
    await applyLayers(
      dst,
      [l1, l2, l3].map((buf, i) => ({ open: () => streamOf(buf, 100), label: `layer${i}` })),
      { readAhead: 1024 },
    );
    assert.deepEqual(ls(join(dst, 'etc')), ['conf', 'conf.d']);
    assert.equal(readFileSync(join(dst, 'etc/conf'), 'utf8'), 'v3');
    assert.deepEqual(ls(join(dst, 'bin')), ['tool']);
    assert.equal(statSync(join(dst, 'bin/tool')).mode & 0o777, 0o700);
  });

  it('metadata-only directory update keeps children and replaces attributes (and xattrs)', async () => {
    const dst = join(tempDir(), 'rootfs');
    await applyLayer(
      dst,
      layer([
        { name: 'd/', type: 'dir', mode: 0o755, xattrs: { 'user.old': 'x' } },
        { name: 'd/child', body: 'c' },
      ]),
    );
    await applyLayer(
      dst,
      layer([
        { name: 'd/', type: 'dir', mode: 0o700, uid: 12, gid: 34, mtime: 1_500_000_000, xattrs: { 'user.new': 'y' } },
      ]),
    );
    const st = statSync(join(dst, 'd'));
    assert.equal(st.mode & 0o7777, 0o700);
    assert.equal(st.uid, 12);
    assert.equal(st.gid, 34);
    assert.equal(st.mtimeMs, 1_500_000_000_000);
    assert.deepEqual(ls(join(dst, 'd')), ['child']);
    assert.deepEqual(native().llistxattr(join(dst, 'd')), ['user.new']);
  });

  it('replaces file -> dir, dir -> symlink, symlink -> file, file -> fifo', async () => {
    const dst = join(tempDir(), 'rootfs');
    await applyLayer(
      dst,
      layer([
        { name: 'f', body: 'file' },
        { name: 'd/sub/x', body: 'x' },
        { name: 's', type: 'symlink', linkname: 'd' },
        { name: 'p', body: 'p' },
      ]),
    );
    await applyLayer(
      dst,
      layer([
        { name: 'f/', type: 'dir' },
        { name: 'f/inner', body: 'inner' },
        { name: 'd', type: 'symlink', linkname: 'f' },
        { name: 's', body: 'now a file' },
        { name: 'p', type: 'fifo' },
      ]),
    );
    assert.ok(statSync(join(dst, 'f')).isDirectory());
    assert.equal(readlinkSync(join(dst, 'd')), 'f');
    assert.equal(readFileSync(join(dst, 'd/inner'), 'utf8'), 'inner');
    assert.equal(readFileSync(join(dst, 's'), 'utf8'), 'now a file');
    assert.ok(lstatSync(join(dst, 'p')).isFIFO());
  });

  it('hardlinks within a layer and to a lower layer file; writes go through symlinked parents inside the rootfs', async () => {
    const dst = join(tempDir(), 'rootfs');
    await applyLayer(
      dst,
      layer([
        { name: 'usr/lib/libc', body: 'libc' },
        { name: 'lib', type: 'symlink', linkname: '/usr/lib' },
      ]),
    );
    await applyLayer(
      dst,
      layer([
        { name: 'bin/a', body: 'A', mode: 0o755 },
        { name: 'bin/b', type: 'link', linkname: 'bin/a' },
        { name: 'bin/libc-link', type: 'link', linkname: '/usr/lib/libc' },
        { name: 'lib/libm', body: 'libm' },
        { name: 'bin/c', body: 'old' },
      ]),
    );
    await applyLayer(dst, layer([{ name: 'bin/c', type: 'link', linkname: 'bin/a' }]));
    const a = statSync(join(dst, 'bin/a'));
    assert.equal(statSync(join(dst, 'bin/b')).ino, a.ino);
    assert.equal(statSync(join(dst, 'bin/c')).ino, a.ino);
    assert.equal(a.nlink, 3);
    assert.equal(statSync(join(dst, 'bin/libc-link')).ino, statSync(join(dst, 'usr/lib/libc')).ino);
    assert.equal(readFileSync(join(dst, 'usr/lib/libm'), 'utf8'), 'libm');
  });

  it('a file replacing a lower hardlinked file does not change the other link', async () => {
    const dst = join(tempDir(), 'rootfs');
    await applyLayer(dst, layer([{ name: 'x', body: 'shared' }]));
    linkSync(join(dst, 'x'), join(dst, 'y'));
    await applyLayer(dst, layer([{ name: 'y', body: 'new' }]));
    assert.equal(readFileSync(join(dst, 'x'), 'utf8'), 'shared');
    assert.equal(readFileSync(join(dst, 'y'), 'utf8'), 'new');
  });
});

describe('applyLayer: errors', () => {
  const rejects = async (tar: Readable, code: string, match: RegExp, maxBytes?: number): Promise<void> => {
    const dst = join(tempDir(), 'rootfs');
    await assert.rejects(applyLayer(dst, tar, { layerLabel: 'sha256:abc', maxBytes }), (err: unknown) => {
      assert.ok(err instanceof HullError, String(err));
      assert.equal(err.code, code, err.message);
      assert.match(err.message, match);
      return true;
    });
  };

  it('truncated tar', async () => {
    const tar = tarOf([{ name: 'f', body: 'x'.repeat(2000) }]);
    await rejects(streamOf(tar.subarray(0, 1000)), 'LAYER_INVALID', /sha256:abc.*truncated.*'f'/);
    await rejects(streamOf(tar.subarray(0, 100)), 'LAYER_INVALID', /truncated/);
  });

  it('whiteout of the parent names the layer, the entry and layer.md#whiteouts', async () => {
    await rejects(layer([{ name: 'a/.wh..' }]), 'LAYER_INVALID', /sha256:abc.*'a\/\.wh\.\.'.*layer\.md#whiteouts/);
  });

  it('maxBytes bounds the uncompressed size', async () => {
    await rejects(layer([{ name: 'f', body: Buffer.alloc(100_000) }]), 'LAYER_TOO_LARGE', /maxBytes/, 50_000);
    // Just under the limit (the tar is 101,888 bytes) applies fine.
    const dst = join(tempDir(), 'rootfs');
    await applyLayer(dst, layer([{ name: 'f', body: Buffer.alloc(100_000) }]), { maxBytes: 101_888 });
  });

  it('corrupt header and unsupported types', async () => {
    const tar = tarOf([{ name: 'f', body: 'x' }]);
    tar[0] = 0x5a; // checksum no longer matches
    await rejects(streamOf(tar), 'LAYER_INVALID', /checksum/);
  });

  it('a stream error becomes a HullError', async () => {
    const broken = new Readable({
      read() {
        this.destroy(new Error('unexpected end of file'));
      },
    });
    await rejects(broken, 'LAYER_INVALID', /cannot read the layer: unexpected end of file/);
  });

  it('a hardlink to a missing target fails cleanly', async () => {
    await rejects(layer([{ name: 'l', type: 'link', linkname: 'missing' }]), 'LAYER_APPLY_FAILED', /'l'.*ENOENT/);
  });
});
