#!/usr/bin/env node
import { spawnSync } from 'node:child_process';
// Runs the compiled test suite with node's built-in runner. Arguments narrow it to files whose
// path contains one of them (e.g. `npm test -- image/layer`). HULL_SLOW=1 adds the slow tests
// (debootstrap fixtures) to the default path; they live in files named *.slow.test.js.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const testDir = join(root, 'dist', 'test');
const filters = process.argv.slice(2);
const slow = process.env.HULL_SLOW === '1';

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const files = walk(testDir).filter((f) => {
  if (f.endsWith('.slow.test.js') && !slow && !filters.length) return false;
  return !filters.length || filters.some((x) => relative(testDir, f).includes(x));
});
if (!files.length) {
  console.error('run-tests: no test files matched');
  process.exit(1);
}
const res = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...files], { stdio: 'inherit', cwd: root });
process.exit(res.status ?? 1);
