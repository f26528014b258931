/**
 * Hostile layers (test/helpers/hostile-layers.ts): the rootfs sits in a sandbox with sentinel
 * files beside it; each layer must be contained (written inside the rootfs) or rejected with a
 * HullError, and in every case nothing outside the rootfs changes.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { HullError } from '../../../src/errors.js';
import { applyLayer } from '../../../src/image/layer/apply.js';
import { tempDir } from '../../helpers/fixtures.js';
import { hostileCases } from '../../helpers/hostile-layers.js';
import { diffManifests, treeManifest } from '../../helpers/tree-manifest.js';

/** Host paths a successful escape would create (the sandbox is in /tmp: `../../..` from the rootfs is /). */
const HOST_PATHS = ['/etc/evil', '/abs', '/sentinel', '/tmp/evil', '/evil', '/hl', '/ol', '/passwd'];

function sandbox(): { box: string; rootfs: string } {
  const box = tempDir('hull-hostile-');
  writeFileSync(join(box, 'sentinel'), 'original');
  mkdirSync(join(box, 'etc'));
  writeFileSync(join(box, 'etc', 'passwd'), 'root:x:0:0::/:/bin/sh\n');
  mkdirSync(join(box, 'tmp'));
  const rootfs = join(box, 'rootfs');
  mkdirSync(join(rootfs, 'etc'), { recursive: true });
  writeFileSync(join(rootfs, 'etc', 'passwd'), 'inside\n');
  return { box, rootfs };
}

describe('hostile layers', () => {
  for (const c of hostileCases('/SANDBOX-PLACEHOLDER')) {
    it(c.name, async () => {
      const { box, rootfs } = sandbox();
      // Re-create the case with the real sandbox path (some symlink targets name it).
      const real = hostileCases(box).find((x) => x.name === c.name);
      assert.ok(real);
      const outside = (): Map<string, string> => treeManifest(box, { exclude: ['rootfs'], mtime: true });
      const before = outside();
      const parentBefore = HOST_PATHS.filter((p) => existsSync(p));
      let rejected: unknown;
      for (const open of real.layers) {
        try {
          await applyLayer(rootfs, open(), { layerLabel: `hostile:${c.name}`, maxBytes: real.maxBytes });
        } catch (err) {
          rejected = err;
          break;
        }
      }
      if (rejected !== undefined) {
        assert.ok(rejected instanceof HullError, `rejected with a non-HullError: ${String(rejected)}`);
        if (real.rejectCode) assert.equal(rejected.code, real.rejectCode, rejected.message);
        assert.match(rejected.message, /hostile:/, 'the error names the layer');
      } else {
        assert.ok(!real.mustReject, 'must be rejected');
      }
      assert.deepEqual(diffManifests(before, outside(), ['before', 'after']), []);
      assert.equal(readFileSync(join(box, 'sentinel'), 'utf8'), 'original');
      assert.deepEqual(
        HOST_PATHS.filter((p) => existsSync(p)),
        parentBefore,
      );
    });
  }

  it('contained writes land inside the rootfs', async () => {
    const { box, rootfs } = sandbox();
    const byName = new Map(hostileCases(box).map((c) => [c.name, c]));
    const run = async (name: string): Promise<void> => {
      for (const open of byName.get(name)?.layers ?? []) await applyLayer(rootfs, open());
    };
    await run('dot-dot path');
    assert.equal(readFileSync(join(rootfs, 'etc/evil'), 'utf8'), 'x');
    await run('absolute path');
    assert.equal(readFileSync(join(rootfs, 'abs/evil'), 'utf8'), 'x');
    await run('symlink to / then write through it');
    assert.equal(readFileSync(join(rootfs, 'sentinel'), 'utf8'), 'pwned');
    await run('hardlink to /etc/passwd');
    assert.equal(readFileSync(join(rootfs, 'passwd'), 'utf8'), 'inside\n');
    await run('symlink swapped under an existing directory path in a later entry');
    assert.equal(readFileSync(join(rootfs, 'a'), 'utf8'), 'pwned');
  });
});
