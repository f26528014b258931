/** hull's layouts and archives against skopeo's (skopeo 1.x is installed on the test hosts). */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ImageLayout } from '../../src/image/layout/layout.js';
import { resolveImage } from '../../src/image/resolve.js';
import { withArchiveLayout } from '../../src/transport/oci-archive.js';
import { tempDir } from '../helpers/fixtures.js';
import { putTinyImage } from '../image/layout/tiny-image.js';

function skopeo(...args: string[]): string {
  return execFileSync('skopeo', ['--insecure-policy', ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

const platform = { os: 'linux', architecture: 'amd64' };

describe('skopeo interop', () => {
  it('skopeo reads hull layouts and archives, hull reads skopeo archives', async () => {
    const tmp = tempDir();
    const layout = await ImageLayout.create(join(tmp, 'hull-layout'));
    const img = await putTinyImage(layout);
    await layout.tag('v1', img.manifest);

    const inspected = JSON.parse(skopeo('inspect', `oci:${layout.dir}:v1`));
    assert.equal(inspected.Digest, img.manifest.digest);
    assert.deepEqual(inspected.Layers, [img.layer.digest]);

    // skopeo writes an oci-archive from hull's layout; hull reads it back.
    const skopeoTar = join(tmp, 'skopeo.tar');
    skopeo('copy', `oci:${layout.dir}:v1`, `oci-archive:${skopeoTar}:tag`);
    await withArchiveLayout(skopeoTar, 'read', async (archived) => {
      const image = await resolveImage(archived, { tag: 'tag', platform });
      assert.equal(image.manifestDescriptor.digest, img.manifest.digest);
      assert.equal(image.config.architecture, 'amd64');
      assert.equal((await archived.readBlob(img.layer)).length, img.layer.size);
    });

    // hull adds a tag to skopeo's archive; skopeo reads both tags of hull's rewrite.
    await withArchiveLayout(skopeoTar, 'write', async (archived) => {
      await archived.tag('second', img.manifest);
    });
    for (const tag of ['tag', 'second']) {
      const out = JSON.parse(skopeo('inspect', `oci-archive:${skopeoTar}:${tag}`));
      assert.equal(out.Digest, img.manifest.digest, tag);
    }

    // And skopeo copies out of hull's archive into a layout hull opens.
    skopeo('copy', `oci-archive:${skopeoTar}:second`, `oci:${join(tmp, 'skopeo-layout')}:back`);
    const back = await ImageLayout.open(join(tmp, 'skopeo-layout'));
    assert.equal((await back.resolveTag('back'))?.digest, img.manifest.digest);
    const image = await resolveImage(back, { tag: 'back', platform });
    assert.deepEqual(
      image.manifest.layers.map((l) => l.digest),
      [img.layer.digest],
    );
  });
});
