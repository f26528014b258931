/** `hull registry gc` and `serve` flag handling through the CLI. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { tempDir } from '../../helpers/fixtures.js';
import { hull } from '../../helpers/run.js';
import { spawnRegistry } from './child.js';

describe('hull registry CLI', () => {
  test('gc --dry-run reports on a root a server wrote; gc needs --root; wrong flags are usage errors', async () => {
    const root = join(tempDir(), 'root');
    const reg = await spawnRegistry(root, ['--quiet']);
    const res = await fetch(`${reg.url}/v2/cli/blobs/uploads/`, { method: 'POST' });
    assert.equal(res.status, 202);
    const r = hull(['registry', 'gc', '--root', root, '--dry-run', '--quiet']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /would remove \d+ blobs/);
    assert.equal(hull(['registry', 'gc']).status, 2);
    assert.equal(hull(['registry', 'gc', '--root', root, '--enable-delete']).status, 2);
    assert.equal(hull(['registry', 'serve', '--dry-run']).status, 2);
    assert.equal(hull(['registry', 'frobnicate']).status, 2);
    assert.match(hull(['registry', '--help']).stdout, /gc may run while 'registry serve' runs/);
    assert.equal(await reg.stop('SIGINT'), 0);
  });

  test('a bad config file fails at start naming the file and key', () => {
    const dir = tempDir();
    const r = hull(['registry', 'serve', '--config', join(dir, 'nope.yaml')]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /nope\.yaml: cannot read config/);
  });
});
