/** docker's capability flags on top of its default set (effectiveCaps in src/engine/containers/spec.ts). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { DOCKER_DEFAULT_CAPS, effectiveCaps } from '../../../src/engine/containers/spec.js';

describe('effectiveCaps', () => {
  it("is docker's default set without flags", () => {
    assert.deepEqual(effectiveCaps([], []), [...DOCKER_DEFAULT_CAPS].sort());
  });

  it('adds and drops names with or without CAP_, in any case', () => {
    const caps = effectiveCaps(['net_admin', 'CAP_SYS_TIME'], ['chown', 'CAP_KILL']);
    assert.ok(caps.includes('CAP_NET_ADMIN') && caps.includes('CAP_SYS_TIME'));
    assert.ok(!caps.includes('CAP_CHOWN') && !caps.includes('CAP_KILL'));
  });

  it('ALL adds every capability the kernel knows, and --cap-drop ALL with --cap-add keeps only the added', () => {
    const last = Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'));
    const all = effectiveCaps(['ALL'], []);
    assert.equal(all.length, last + 1);
    assert.ok(all.includes('CAP_SYS_ADMIN'));
    assert.deepEqual(effectiveCaps(['NET_BIND_SERVICE'], ['ALL']), ['CAP_NET_BIND_SERVICE']);
  });
});
