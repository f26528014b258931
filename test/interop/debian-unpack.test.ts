/**
 * The Debian fixture image (3 layers from debootstrap, with whiteouts and an opaque directory,
 * scripts/fixtures/debian-image.sh) unpacked by hull and by umoci gives the same tree. The
 * fixture is built once per machine (about a minute) and cached.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { debianImage, debianTag } from '../helpers/debian.js';
import { tempDir } from '../helpers/fixtures.js';
import { ok } from '../helpers/run.js';
import { diffManifests, treeManifest } from '../helpers/tree-manifest.js';

test('hull unpack of the Debian image matches umoci unpack entry for entry', { timeout: 30 * 60_000 }, () => {
  const layout = debianImage();
  const work = tempDir();
  ok('umoci', ['unpack', '--image', `${layout}:${debianTag}`, join(work, 'umoci')]);
  ok('hull', ['unpack', '--quiet', `oci:${layout}:${debianTag}`, join(work, 'hull')]);
  const a = treeManifest(join(work, 'umoci/rootfs'), { mtime: true });
  const b = treeManifest(join(work, 'hull/rootfs'), { mtime: true });
  assert.ok(a.size > 5000, `the fixture has a real tree (${a.size} entries)`);
  assert.deepEqual(diffManifests(a, b, ['umoci', 'hull']), []);
});

test('hull validate image accepts the Debian image and agrees with oci-image-tool', { timeout: 30 * 60_000 }, () => {
  const layout = debianImage();
  ok('hull', ['validate', 'image', `oci:${layout}:${debianTag}`]);
  ok('oci-image-tool', ['validate', '--type', 'image', '--ref', `name=${debianTag}`, layout]);
});
