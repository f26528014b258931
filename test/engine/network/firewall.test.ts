/**
 * Where FORWARD drops by default (dockerd sets policy DROP), bridged containers need the firewall
 * plugin to open their addresses; hull adds it to the conflist it runs and the DEL takes its
 * rules away. Run in a private network namespace so the host's FORWARD policy is not touched.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot, tempDir } from '../../helpers/fixtures.js';
import { run } from '../../helpers/run.js';
import { freeSubnet, uid } from './net-helpers.js';

test('FORWARD policy DROP: the firewall plugin opens the container address, and DEL closes it', () => {
  const root = tempDir('hull-net-fw-');
  const { subnet } = freeSubnet();
  const child = join(repoRoot, 'dist/test/engine/network/firewall-child.js');
  const r = run('unshare', ['--net', '--', process.execPath, child, root, uid('t-fw-'), subnet, uid('ctr')]);
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { ip: string; plugins: string[]; afterAdd: string; afterDel: string };
  assert.deepEqual(report.plugins, ['bridge', 'portmap', 'firewall']);
  assert.match(report.afterAdd, /^-A FORWARD .*-j CNI-FORWARD$/m);
  assert.ok(report.afterAdd.includes(`${report.ip}/32`), report.afterAdd);
  assert.ok(!report.afterDel.includes(`${report.ip}/32`), report.afterDel);
});
