/**
 * The README's main job (scripts/main-job) end to end: build busybox from busybox-static, serve
 * it from `hull registry serve`, and `hull run --rm ADDR/busybox:latest echo hello from hull`
 * (issue 5). HULL_ROOT keeps the engine's state in a temp root, not /var/lib/hull.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { run } from '../../helpers/run.js';
import { containerDirs, engineMounts, freePort } from './engine-env.js';

describe('scripts/main-job', () => {
  const work = mkdtempSync(join(tmpdir(), 'hull-main-job-'));
  const root = join(work, 'root');
  after(async () => {
    // The monitor's exit command (hull container cleanup) may still be running: wait for it.
    for (let i = 0; i < 100; i++) {
      try {
        execFileSync('pgrep', ['-f', `--root ${root}( |$)`], { stdio: 'ignore' });
      } catch {
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    rmSync(work, { recursive: true, force: true });
  });

  it('runs the quick start: registry, push, and hull run printing "hello from hull"', async () => {
    const repo = new URL('../../../..', import.meta.url).pathname;
    const addr = `127.0.0.1:${await freePort()}`;
    const r = run(join(repo, 'scripts', 'main-job'), [], {
      env: { ...process.env, HULL_DEMO_REGISTRY: addr, HULL_DEMO_DIR: join(work, 'demo'), HULL_ROOT: root },
    });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^hello from hull$/m);
    assert.match(r.stdout, /main job done/);
    // --rm: nothing of the container is left in the engine's root.
    assert.deepEqual(containerDirs(root), []);
    assert.deepEqual(engineMounts(root), []);
  });
});
