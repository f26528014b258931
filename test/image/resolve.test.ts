import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { HullError } from '../../src/errors.js';
import { ImageLayout } from '../../src/image/layout/layout.js';
import { platformMatches, resolveImage } from '../../src/image/resolve.js';
import { MediaType } from '../../src/oci/media-types.js';
import { tempDir } from '../helpers/fixtures.js';
import { putTinyImage, putTwoPlatformIndex } from './layout/tiny-image.js';

function isCode(code: string, message?: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof HullError, `expected HullError, got ${err}`);
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    return true;
  };
}

describe('resolveImage', () => {
  it('follows a two-platform index to the platform asked for', async () => {
    const layout = await ImageLayout.create(join(tempDir(), 'l'));
    const { index, amd64, arm64 } = await putTwoPlatformIndex(layout);
    await layout.tag('multi', index);

    const a = await resolveImage(layout, { tag: 'multi', platform: { os: 'linux', architecture: 'amd64' } });
    assert.equal(a.manifestDescriptor.digest, amd64.manifest.digest);
    assert.equal(a.configDescriptor.digest, amd64.config.digest);
    assert.equal(a.config.architecture, 'amd64');
    assert.equal(a.indexChain.length, 1);
    assert.equal(a.indexChain[0]!.descriptor.digest, index.digest);
    assert.equal(a.manifestBytes.length, amd64.manifest.size);
    assert.equal(a.configBytes.length, amd64.config.size);

    const b = await resolveImage(layout, { tag: 'multi', platform: { os: 'linux', architecture: 'arm64' } });
    assert.equal(b.manifestDescriptor.digest, arm64.manifest.digest);
    const v8 = await resolveImage(layout, {
      tag: 'multi',
      platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
    });
    assert.equal(v8.manifestDescriptor.digest, arm64.manifest.digest);

    await assert.rejects(
      resolveImage(layout, { tag: 'multi', platform: { os: 'linux', architecture: 's390x' } }),
      isCode('PLATFORM_UNKNOWN', /linux\/s390x.*available: linux\/amd64, linux\/arm64\/v8/),
    );
    // The default is the host's platform.
    if (process.arch === 'x64')
      assert.equal((await resolveImage(layout, { tag: 'multi' })).config.architecture, 'amd64');
    if (process.arch === 'arm64')
      assert.equal((await resolveImage(layout, { tag: 'multi' })).config.architecture, 'arm64');
  });

  it('follows nested indexes and resolves by digest', async () => {
    const layout = await ImageLayout.create(join(tempDir(), 'l'));
    const { index, arm64 } = await putTwoPlatformIndex(layout);
    const outer = await layout.putJSON(
      { schemaVersion: 2, mediaType: MediaType.imageIndex, manifests: [index] },
      MediaType.imageIndex,
    );
    await layout.tag('outer', outer);
    const r = await resolveImage(layout, {
      tag: 'outer',
      platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
    });
    assert.equal(r.manifestDescriptor.digest, arm64.manifest.digest);
    assert.deepEqual(
      r.indexChain.map((c) => c.descriptor.digest),
      [outer.digest, index.digest],
    );
    const byDigest = await resolveImage(layout, {
      digest: arm64.manifest.digest,
      platform: { os: 'linux', architecture: 'arm64' },
    });
    assert.equal(byDigest.manifestDescriptor.digest, arm64.manifest.digest);
  });

  it('uses the only entry without a tag, and lists the tags when there are several', async () => {
    const layout = await ImageLayout.create(join(tempDir(), 'l'));
    await assert.rejects(resolveImage(layout), isCode('TAG_REQUIRED', /is empty/));
    const one = await putTinyImage(layout, { content: 'one' });
    await layout.tag('one', one.manifest);
    const p = { os: 'linux', architecture: 'amd64' };
    assert.equal((await resolveImage(layout, { platform: p })).manifestDescriptor.digest, one.manifest.digest);
    await layout.tag('two', (await putTinyImage(layout, { content: 'two' })).manifest);
    await assert.rejects(resolveImage(layout, { platform: p }), isCode('TAG_REQUIRED', /tags: one, two/));
    await assert.rejects(resolveImage(layout, { tag: 'three', platform: p }), (err: unknown) => {
      isCode('TAG_UNKNOWN', /tag 'three' is not in the image layout/)(err);
      assert.ok((err as Error).message.includes(layout.dir));
      assert.match((err as Error).message, /tags: one, two/);
      return true;
    });
    // A manifest tagged directly is used whatever the platform: there is no index to choose from.
    assert.equal(
      (await resolveImage(layout, { tag: 'one', platform: { os: 'linux', architecture: 'arm64' } })).config
        .architecture,
      'amd64',
    );
  });

  it('verifies every blob on the way', async () => {
    const layout = await ImageLayout.create(join(tempDir(), 'l'));
    const { index, amd64 } = await putTwoPlatformIndex(layout);
    await layout.tag('multi', index);
    const p = { os: 'linux', architecture: 'amd64' };
    const config = layout.blobPath(amd64.config.digest);
    writeFileSync(
      config,
      `${JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } })}`,
    );
    await assert.rejects(resolveImage(layout, { tag: 'multi', platform: p }), isCode('SIZE_MISMATCH'));
    writeFileSync(layout.blobPath(index.digest), '{}');
    await assert.rejects(resolveImage(layout, { tag: 'multi', platform: p }), isCode('SIZE_MISMATCH'));
  });

  it('rejects artifacts that are not container images', async () => {
    const layout = await ImageLayout.create(join(tempDir(), 'l'));
    const empty = await layout.putBlobBuffer(Buffer.from('{}'), MediaType.emptyJSON);
    const artifact = await layout.putJSON(
      {
        schemaVersion: 2,
        mediaType: MediaType.imageManifest,
        artifactType: 'application/x.sbom',
        config: empty,
        layers: [],
      },
      MediaType.imageManifest,
    );
    await layout.tag('sbom', artifact);
    await assert.rejects(resolveImage(layout, { tag: 'sbom' }), isCode('CONFIG_UNSUPPORTED'));
  });

  it('matches platforms, arm64 without a variant being v8', () => {
    assert.ok(
      platformMatches({ os: 'linux', architecture: 'arm64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }),
    );
    assert.ok(
      platformMatches({ os: 'linux', architecture: 'arm', variant: 'v7' }, { os: 'linux', architecture: 'arm' }),
    );
    assert.ok(
      !platformMatches(
        { os: 'linux', architecture: 'arm', variant: 'v6' },
        { os: 'linux', architecture: 'arm', variant: 'v7' },
      ),
    );
    assert.ok(!platformMatches({ os: 'windows', architecture: 'amd64' }, { os: 'linux', architecture: 'amd64' }));
  });
});
