/** copy() between layouts and archives: index selection, conversions, failure leaves no tag. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ImageLayout } from '../../src/image/layout/layout.js';
import { MediaType } from '../../src/oci/media-types.js';
import { copyImage } from '../../src/transport/copy.js';
import { tempDir } from '../helpers/fixtures.js';
import { putTinyImage, putTwoPlatformIndex } from '../image/layout/tiny-image.js';

describe('copy between layouts', () => {
  const tmp = tempDir();

  it('copies a whole index with all, one platform without', async () => {
    const layout = await ImageLayout.create(join(tmp, 'src'));
    const { index, arm64 } = await putTwoPlatformIndex(layout);
    await layout.tag('multi', index);
    const all = await copyImage(`oci:${layout.dir}:multi`, `oci:${join(tmp, 'all')}:m`, { all: true });
    assert.equal(all.digest, index.digest);
    const one = await copyImage(`oci:${layout.dir}:multi`, `oci:${join(tmp, 'one')}:m`, {
      platform: { os: 'linux', architecture: 'arm64' },
    });
    assert.equal(one.digest, arm64.manifest.digest);
    const dst = await ImageLayout.open(join(tmp, 'one'));
    assert.equal((await dst.resolveTag('m'))?.mediaType, MediaType.imageManifest);
    assert.equal(await dst.hasBlob(arm64.layer.digest), true);
  });

  it('round-trips through docker-archive with unchanged config and gzip layers again', async () => {
    const layout = await ImageLayout.open(join(tmp, 'src'));
    const amd64 = await putTinyImage(layout);
    await layout.tag('one', amd64.manifest);
    const tar = join(tmp, 'img.tar');
    await copyImage(`oci:${layout.dir}:one`, `docker-archive:${tar}:example.com/a:b`);
    const back = await copyImage(`docker-archive:${tar}:example.com/a:b`, `oci:${join(tmp, 'back')}:x`);
    const dst = await ImageLayout.open(join(tmp, 'back'));
    const manifest = JSON.parse((await dst.readBlob({ digest: back.digest, size: -1 })).toString());
    assert.equal(manifest.config.digest, amd64.config.digest);
    assert.equal(manifest.config.mediaType, MediaType.imageConfig);
    assert.equal(manifest.layers[0].mediaType, MediaType.layerTarGzip);
  });

  it('a failed copy leaves no tag and no archive', async () => {
    const missing = `oci:${join(tmp, 'src')}:nope`;
    await assert.rejects(copyImage(missing, `oci-archive:${join(tmp, 'out.tar')}:x`), /tag 'nope'/);
    assert.equal(existsSync(join(tmp, 'out.tar')), false);
    await assert.rejects(copyImage(missing, `docker-archive:${join(tmp, 'out2.tar')}`), /tag 'nope'/);
    assert.equal(existsSync(join(tmp, 'out2.tar')), false);
  });
});
