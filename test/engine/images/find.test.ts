/**
 * Finding an image by name reads that image only (store.ts find): `hull run` in a store of many
 * images does not read every manifest and config — and so is not stopped by another image whose
 * blobs are missing or corrupt (as podman's run is not).
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type EngineEnv, engineEnv } from '../containers/engine-env.js';

describe('image lookup by name', () => {
  let e: EngineEnv;
  before(async () => {
    e = await engineEnv();
  });
  after(() => e?.close());

  it('runs an image while another entry of the store points at a missing manifest', () => {
    e.ok(['pull', '-q', e.image]);
    const indexFile = join(e.root, 'images', 'index.json');
    const index = JSON.parse(readFileSync(indexFile, 'utf8')) as { manifests: object[] };
    index.manifests.push({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: `sha256:${'0'.repeat(64)}`,
      size: 2,
      annotations: { 'org.opencontainers.image.ref.name': 'docker.io/library/broken:latest' },
    });
    writeFileSync(indexFile, JSON.stringify(index));
    const r = e.hull(['run', '--rm', '--network', 'none', e.image, 'echo', 'found']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'found\n');
    // The broken one is reported when it is the one asked for.
    const bad = e.hull(['run', '--rm', '--network', 'none', '--pull', 'never', 'broken', 'true']);
    assert.equal(bad.status, 125);
    assert.match(bad.stderr, /0000000000/);
  });
});
