/**
 * Entry path cleaning (src/image/layer/resolve-in-root.ts): the applier's fast path,
 * splitEntryPath, must cut every name exactly as cleanComponents does (`..` stays at the root,
 * empty and `.` components vanish), or an entry could land somewhere the checked path does not say.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cleanComponents, splitEntryPath } from '../../../src/image/layer/resolve-in-root.js';

function reference(name: string): [string, string] | undefined {
  const comps = cleanComponents(name);
  return comps.length === 0 ? undefined : [comps.slice(0, -1).join('/'), comps[comps.length - 1]!];
}

describe('splitEntryPath', () => {
  it('agrees with cleanComponents on clean, odd and hostile names', () => {
    const names = [
      './usr/bin/x',
      'usr/lib/',
      'x',
      './x/',
      '/abs/x',
      '////a',
      './',
      '/',
      '.',
      '..',
      '',
      './/a',
      '../etc/passwd',
      './../a',
      'a/..',
      'a/.',
      'a//b',
      'a/./b',
      'a/../b',
      'a/b/../../..',
      '.../x',
      '..a/b',
      'a/.b/c',
      'a/b..',
      'a/...',
      '.wh..wh..opq',
      'dir/.wh.file',
      'a/b/c/d/e/f',
    ];
    for (const name of names) assert.deepEqual(splitEntryPath(name), reference(name), name);
  });

  it('agrees on random names built from /, ., .. and letters', () => {
    const parts = ['', '.', '..', 'a', 'b.', '.c', '...'];
    for (let i = 0; i < 5000; i++) {
      const n = 1 + Math.floor(Math.random() * 5);
      const name = Array.from({ length: n }, () => parts[Math.floor(Math.random() * parts.length)]).join('/');
      assert.deepEqual(splitEntryPath(name), reference(name), name);
    }
  });
});
