/** validateImageLayout lists every problem of a layout, each naming file, JSON path and spec section. */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ImageLayout } from '../../src/image/layout/layout.js';
import { resolveImage } from '../../src/image/resolve.js';
import { validateImageLayout } from '../../src/image/validate-image.js';
import { MediaType } from '../../src/oci/media-types.js';
import { busyboxRootfs, tempDir } from '../helpers/fixtures.js';
import { ok } from '../helpers/run.js';

async function freshImage(): Promise<{ dir: string; layout: ImageLayout }> {
  const dir = join(tempDir(), 'layout');
  ok('hull', ['import', busyboxRootfs(), `oci:${dir}:bb`, '--quiet']);
  return { dir, layout: await ImageLayout.open(dir) };
}

test('a layout made by hull import has no problems', async () => {
  const { dir } = await freshImage();
  assert.deepEqual(await validateImageLayout(dir, 'bb'), []);
});

test('a wrong diff_id, a wrong layer size and a missing oci-layout are all reported', async () => {
  const { dir, layout } = await freshImage();
  const image = await resolveImage(layout, { tag: 'bb' });
  const config = structuredClone(image.config);
  config.rootfs.diff_ids[0] = `sha256:${'0'.repeat(64)}`;
  const configDesc = await layout.putJSON(config, MediaType.imageConfig);
  const manifest = structuredClone(image.manifest);
  manifest.config = configDesc;
  manifest.layers[0]!.size += 1;
  const manifestDesc = await layout.putJSON(manifest, MediaType.imageManifest);
  await layout.tag('broken', manifestDesc);
  rmSync(join(dir, 'oci-layout'));

  const problems = await validateImageLayout(dir, 'broken');
  const where = problems.map((p) => `${p.file} ${p.jsonPath} ${p.section.split('#')[0]}`);
  assert.ok(where.includes('oci-layout $ image-spec/image-layout.md'), where.join('\n'));
  const layerFile = `blobs/sha256/${image.manifest.layers[0]!.digest.slice(7)}`;
  assert.ok(where.includes(`${layerFile} $ image-spec/descriptor.md`), `size mismatch named: ${where.join('\n')}`);
  const configFile = `blobs/sha256/${configDesc.digest.slice(7)}`;
  // The layer size is wrong, so its diff_id cannot be checked; fix the size to see the diff_id problem.
  manifest.layers[0]!.size -= 1;
  await layout.tag('broken2', await layout.putJSON(manifest, MediaType.imageManifest));
  const second = await validateImageLayout(dir, 'broken2');
  assert.ok(
    second.some(
      (p) =>
        p.file === configFile && p.jsonPath === '$.rootfs.diff_ids[0]' && p.section.startsWith('image-spec/config.md'),
    ),
    JSON.stringify(second, null, 1),
  );
});

test('an invalid manifest and an unknown tag are reported with their JSON paths', async () => {
  const { dir, layout } = await freshImage();
  const bad = await layout.putBlobBuffer(Buffer.from('{"schemaVersion":3,"layers":"x"}'), MediaType.imageManifest);
  await layout.tag('bad', bad);
  const problems = await validateImageLayout(dir, 'bad');
  const file = `blobs/sha256/${bad.digest.slice(7)}`;
  assert.ok(
    problems.some((p) => p.file === file && p.jsonPath === '$.schemaVersion'),
    JSON.stringify(problems),
  );
  assert.ok(
    problems.some((p) => p.file === file && p.jsonPath === '$.config'),
    JSON.stringify(problems),
  );
  const missing = await validateImageLayout(dir, 'nope');
  assert.deepEqual(
    missing.map((p) => [p.file, p.jsonPath]),
    [['index.json', '$.manifests']],
  );
});

test('a blob that is not JSON where a manifest is expected is named', async () => {
  const { dir, layout } = await freshImage();
  const desc = await layout.putBlobBuffer(Buffer.from('not json'), MediaType.imageManifest);
  await layout.tag('garbage', desc);
  writeFileSync(join(dir, 'unrelated'), '');
  const problems = await validateImageLayout(dir, 'garbage');
  assert.equal(problems.length, 1);
  assert.match(problems[0]!.message, /not valid JSON/);
});
