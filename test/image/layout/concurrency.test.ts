import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ImageLayout } from '../../../src/image/layout/layout.js';
import { tempDir } from '../../helpers/fixtures.js';
import { putTinyImage } from './tiny-image.js';

const WORKERS = 8;
const TAGS = 20;
const worker = new URL('./tag-worker.js', import.meta.url).pathname;

function run(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [worker, ...args], { stdio: ['ignore', 'inherit', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`worker exited ${code}: ${stderr}`))));
  });
}

describe('ImageLayout concurrent tagging', () => {
  it(`${WORKERS} processes tagging ${TAGS} names each lose nothing`, async () => {
    const layout = await ImageLayout.create(join(tempDir(), 'l'));
    const img = await putTinyImage(layout);
    const startAt = String(Date.now() + 1500);
    await Promise.all(
      Array.from({ length: WORKERS }, (_, w) =>
        run([layout.dir, String(w), String(TAGS), startAt, JSON.stringify(img.manifest)]),
      ),
    );
    const index = JSON.parse(readFileSync(join(layout.dir, 'index.json'), 'utf8'));
    assert.equal(index.manifests.length, WORKERS * TAGS);
    const names = new Set((await layout.listTags()).map((t) => t.name));
    for (let w = 0; w < WORKERS; w++) for (let i = 0; i < TAGS; i++) assert.ok(names.has(`w${w}-t${i}`), `w${w}-t${i}`);
  });

  it('concurrent tag calls within one process are serialised too', async () => {
    const layout = await ImageLayout.create(join(tempDir(), 'l'));
    const img = await putTinyImage(layout);
    const other = await ImageLayout.open(layout.dir);
    await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? layout : other).tag(`t${i}`, img.manifest)));
    assert.equal((await layout.listTags()).length, 40);
  });
});
