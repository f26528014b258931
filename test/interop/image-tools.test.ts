/**
 * hull's images against the peers: oci-image-tool validates what `hull import` makes, umoci
 * unpacks it to the same tree hull does, skopeo reads it, and hull unpacks umoci's multi-layer
 * images (whiteouts, opaque directories) to the same tree umoci does.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { busyboxRootfs, tempDir } from '../helpers/fixtures.js';
import { ok } from '../helpers/run.js';
import { diffManifests, treeManifest } from '../helpers/tree-manifest.js';

describe('images made by hull import', () => {
  const work = tempDir();
  const layout = join(work, 'layout');
  ok('hull', ['import', busyboxRootfs(), `oci:${layout}:bb`, '--cmd', 'echo hi', '--quiet']);
  ok('hull', ['import', busyboxRootfs(), `oci:${layout}:bbz`, '--compression', 'zstd', '--quiet']);

  test('pass oci-image-tool validate --type image', () => {
    ok('oci-image-tool', ['validate', '--type', 'image', '--ref', 'name=bb', layout]);
  });

  test('unpack with umoci to the same tree hull unpacks (names, types, modes, owners, content, links, xattrs, mtimes)', () => {
    ok('umoci', ['unpack', '--image', `${layout}:bb`, join(work, 'umoci')]);
    ok('hull', ['unpack', `oci:${layout}:bb`, join(work, 'hull')]);
    const diffs = diffManifests(
      treeManifest(join(work, 'umoci/rootfs'), { mtime: true }),
      treeManifest(join(work, 'hull/rootfs'), { mtime: true }),
      ['umoci', 'hull'],
    );
    assert.deepEqual(diffs, []);
  });

  test('are read by skopeo (inspect, and copy to an oci-archive hull reads back)', () => {
    const info = JSON.parse(ok('skopeo', ['inspect', `oci:${layout}:bb`]).stdout);
    const mine = JSON.parse(ok('hull', ['inspect', `oci:${layout}:bb`]).stdout);
    assert.equal(info.Digest, mine.Digest);
    assert.deepEqual(info.Layers, mine.Layers);
    const archive = join(work, 'bb.tar');
    ok('skopeo', ['copy', `oci:${layout}:bb`, `oci-archive:${archive}:bb`]);
    const fromArchive = JSON.parse(ok('hull', ['inspect', `oci-archive:${archive}:bb`]).stdout);
    assert.equal(fromArchive.Digest, mine.Digest);
  });

  test('are reproducible: import, unpack, import again with a fixed SOURCE_DATE_EPOCH gives the same layer digest', () => {
    const env = { ...process.env, SOURCE_DATE_EPOCH: '1700000000' };
    const repro = join(work, 'repro');
    ok('hull', ['import', busyboxRootfs(), `oci:${repro}:one`, '--quiet'], { env });
    ok('hull', ['unpack', `oci:${repro}:one`, join(work, 'repro-bundle')]);
    ok('hull', ['import', join(work, 'repro-bundle/rootfs'), `oci:${repro}:two`, '--quiet'], { env });
    const one = JSON.parse(ok('hull', ['inspect', `oci:${repro}:one`]).stdout);
    const two = JSON.parse(ok('hull', ['inspect', `oci:${repro}:two`]).stdout);
    assert.deepEqual(two.Layers, one.Layers);
    assert.equal(two.Digest, one.Digest, 'same config and manifest too');
  });
});

describe('multi-layer images made by umoci', () => {
  const work = tempDir();
  const layout = join(work, 'layout');
  const bundle = join(work, 'edit');
  const rootfs = join(bundle, 'rootfs');
  ok('umoci', ['init', '--layout', layout]);
  ok('umoci', ['new', '--image', `${layout}:t`]);
  ok('umoci', ['unpack', '--image', `${layout}:t`, bundle]);
  ok('cp', ['-a', `${busyboxRootfs()}/.`, rootfs]);
  mkdirSync(join(rootfs, 'data/sub'), { recursive: true });
  for (let i = 0; i < 20; i++) writeFileSync(join(rootfs, `data/sub/f${i}`), `file ${i}\n`);
  writeFileSync(join(rootfs, 'data/keep'), 'keep');
  ok('umoci', ['repack', '--image', `${layout}:t`, bundle]);
  // Layer 2: deletions (whiteouts), a directory emptied and refilled, modes and owners changed.
  rmSync(join(rootfs, 'bin/vi'));
  rmSync(join(rootfs, 'data/sub'), { recursive: true });
  mkdirSync(join(rootfs, 'data/sub'));
  writeFileSync(join(rootfs, 'data/sub/new'), 'new');
  chmodSync(join(rootfs, 'data/keep'), 0o4755);
  ok('chown', ['123:456', join(rootfs, 'data/keep')]);
  ok('umoci', ['repack', '--image', `${layout}:t`, bundle]);
  // Layer 3: a file replaced by a symlink, a hardlink, an xattr.
  rmSync(join(rootfs, 'data/keep'));
  symlinkSync('/bin/busybox', join(rootfs, 'data/keep'));
  ok('ln', [join(rootfs, 'etc/passwd'), join(rootfs, 'etc/passwd.hard')]);
  ok('setfattr', ['-n', 'user.hull', '-v', 'yes', join(rootfs, 'etc/group')]);
  ok('umoci', ['repack', '--image', `${layout}:t`, bundle]);

  test('unpack with hull to the same tree as umoci unpack', () => {
    ok('umoci', ['unpack', '--image', `${layout}:t`, join(work, 'umoci')]);
    ok('hull', ['unpack', `oci:${layout}:t`, join(work, 'hull')]);
    const diffs = diffManifests(
      treeManifest(join(work, 'umoci/rootfs'), { mtime: true }),
      treeManifest(join(work, 'hull/rootfs'), { mtime: true }),
      ['umoci', 'hull'],
    );
    assert.deepEqual(diffs, []);
  });

  test('validate image accepts umoci layouts, and oci-image-tool agrees', () => {
    ok('hull', ['validate', 'image', `oci:${layout}:t`]);
    ok('oci-image-tool', ['validate', '--type', 'image', '--ref', 'name=t', layout]);
  });
});
