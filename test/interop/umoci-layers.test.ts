/**
 * Interop: an image built layer by layer with umoci (add, delete, replace a directory's content,
 * chmod, chown, hardlinks, file <-> dir <-> symlink, devices, xattrs) applied with applyLayers
 * must give the same tree as `umoci unpack` of that image.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  createReadStream,
  linkSync,
  mkdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createGunzip } from 'node:zlib';
import { applyLayers } from '../../src/image/layer/apply.js';
import { native } from '../../src/native.js';
import { tempDir } from '../helpers/fixtures.js';
import { diffManifests, treeManifest } from '../helpers/tree-manifest.js';

function umoci(...args: string[]): void {
  execFileSync('umoci', args, { stdio: 'pipe' });
}

/** Unpacks L:t into a fresh bundle, lets `change` modify its rootfs, repacks it as a new layer. */
function layer(work: string, n: number, change: (root: string) => void): void {
  const bundle = join(work, `bundle${n}`);
  umoci('unpack', '--image', `${work}/L:t`, bundle);
  change(join(bundle, 'rootfs'));
  umoci('repack', '--image', `${work}/L:t`, bundle);
  rmSync(bundle, { recursive: true, force: true });
}

interface Descriptor {
  digest: string;
  mediaType: string;
}

function blobPath(layout: string, digest: string): string {
  const [alg, hex] = digest.split(':') as [string, string];
  return join(layout, 'blobs', alg, hex);
}

describe('interop: umoci-built layers', () => {
  it('applyLayers gives the same rootfs as umoci unpack', async () => {
    const work = tempDir('hull-umoci-');
    umoci('init', '--layout', `${work}/L`);
    umoci('new', '--image', `${work}/L:t`);

    layer(work, 1, (r) => {
      mkdirSync(join(r, 'etc'));
      writeFileSync(join(r, 'etc/conf'), 'v1\n');
      writeFileSync(join(r, 'etc/keep'), 'keep\n');
      native().lsetxattr(join(r, 'etc/keep'), 'user.note', Buffer.from('hello'));
      mkdirSync(join(r, 'bin'));
      writeFileSync(join(r, 'bin/tool'), '#!/bin/sh\necho tool\n');
      chmodSync(join(r, 'bin/tool'), 0o755);
      linkSync(join(r, 'bin/tool'), join(r, 'bin/tool2'));
      writeFileSync(join(r, 'bin/suid'), 'suid');
      chownSync(join(r, 'bin/suid'), 1000, 1000);
      chmodSync(join(r, 'bin/suid'), 0o4755);
      mkdirSync(join(r, 'opt/app/sub'), { recursive: true });
      writeFileSync(join(r, 'opt/app/a'), 'a');
      writeFileSync(join(r, 'opt/app/sub/c'), 'c');
      mkdirSync(join(r, 'usr/lib'), { recursive: true });
      writeFileSync(join(r, 'usr/lib/libx.so'), Buffer.alloc(300_000, 7));
      symlinkSync('usr/lib', join(r, 'lib'));
      mkdirSync(join(r, 'run'));
      native().mknod(join(r, 'run/fifo'), 0o010644, 0);
      mkdirSync(join(r, 'dev'));
      native().mknod(join(r, 'dev/null'), 0o020666, native().makedev(1, 3));
      mkdirSync(join(r, 'tmp'));
      chmodSync(join(r, 'tmp'), 0o1777);
      writeFileSync(join(r, 'owned'), 'owned');
      chownSync(join(r, 'owned'), 123, 456);
      utimesSync(join(r, 'owned'), 1_000_000_000, 1_000_000_000);
    });

    layer(work, 2, (r) => {
      unlinkSync(join(r, 'etc/conf'));
      // Replace a directory's whole content.
      rmSync(join(r, 'opt/app'), { recursive: true });
      mkdirSync(join(r, 'opt/app'));
      writeFileSync(join(r, 'opt/app/new'), 'new');
      chmodSync(join(r, 'bin/tool'), 0o700);
      // A hardlink to a lower layer's file.
      linkSync(join(r, 'usr/lib/libx.so'), join(r, 'bin/libx-hard'));
      // file -> dir
      unlinkSync(join(r, 'etc/keep'));
      mkdirSync(join(r, 'etc/keep'));
      writeFileSync(join(r, 'etc/keep/inside'), 'inside');
      chownSync(join(r, 'bin/suid'), 7, 8);
      chmodSync(join(r, 'bin/suid'), 0o6755);
      writeFileSync(join(r, 'lib/via-symlink'), 'written through lib -> usr/lib');
    });

    layer(work, 3, (r) => {
      // dir -> symlink
      rmSync(join(r, 'opt/app'), { recursive: true });
      symlinkSync('/usr/lib', join(r, 'opt/app'));
      unlinkSync(join(r, 'usr/lib/libx.so'));
      writeFileSync(join(r, 'bin/tool'), '#!/bin/sh\necho tool v3\n');
      rmSync(join(r, 'run'), { recursive: true });
      // symlink -> file
      unlinkSync(join(r, 'lib'));
      writeFileSync(join(r, 'lib'), 'now a file');
      chmodSync(join(r, 'etc'), 0o750);
    });

    const layout = join(work, 'L');
    const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
    const manifest = JSON.parse(readFileSync(blobPath(layout, (index.manifests[0] as Descriptor).digest), 'utf8')) as {
      layers: Descriptor[];
    };
    assert.equal(manifest.layers.length, 3);
    for (const l of manifest.layers) assert.match(l.mediaType, /tar\+gzip$/);

    const ours = join(work, 'ours');
    const stats = await applyLayers(
      ours,
      manifest.layers.map((l) => ({
        label: l.digest,
        open: () => createReadStream(blobPath(layout, l.digest)).pipe(createGunzip()),
      })),
    );
    assert.ok(stats.whiteouts > 0, 'umoci wrote whiteouts');
    assert.ok(stats.hardlinks > 0, 'umoci wrote hardlinks');

    umoci('unpack', '--image', `${work}/L:t`, join(work, 'theirs'));
    const theirs = join(work, 'theirs', 'rootfs');
    // Everything is compared, the rootfs directory itself included (both apply the layers' "./").
    const diffs = diffManifests(treeManifest(ours, { mtime: true }), treeManifest(theirs, { mtime: true }), [
      'hull',
      'umoci',
    ]);
    assert.deepEqual(diffs, []);
  });
});
