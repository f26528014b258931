/** writeBundleConfig: atomic replace, two-space JSON with a trailing newline, no temp left over. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { defaultSpec } from '../../../src/image/bundle/default-spec.js';
import { writeBundleConfig } from '../../../src/image/bundle/write.js';
import { tempDir } from '../../helpers/fixtures.js';

describe('writeBundleConfig', () => {
  it('writes pretty JSON and replaces an existing config.json', () => {
    const dir = tempDir('hull-bundle-write-');
    writeFileSync(join(dir, 'config.json'), 'old');
    const spec = defaultSpec();
    writeBundleConfig(dir, spec);
    const text = readFileSync(join(dir, 'config.json'), 'utf8');
    assert.equal(text, `${JSON.stringify(spec, null, 2)}\n`);
    assert.match(text, /^\{\n {2}"ociVersion": "1\.3\.0",\n/);
    assert.deepEqual(JSON.parse(text), spec);
    assert.deepEqual(readdirSync(dir), ['config.json']);
    assert.equal(statSync(join(dir, 'config.json')).mode & 0o777 & ~0o022, 0o644 & ~0o022);
  });
  it('fails on a missing bundle directory without leaving anything', () => {
    const dir = tempDir('hull-bundle-write-');
    assert.throws(() => writeBundleConfig(join(dir, 'missing'), defaultSpec()), { code: 'ENOENT' });
    assert.deepEqual(readdirSync(dir), []);
  });
});
