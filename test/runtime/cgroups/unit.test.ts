/** Pure parts of the cgroup managers: mode detection, path resolution, value conversions. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { HullError } from '../../../src/errors.js';
import {
  blkioToIoWeight,
  deviceRuleLine,
  normalizeDeviceRules,
  sharesToWeight,
  swapToV2,
} from '../../../src/runtime/cgroups/convert.js';
import { detectCgroupMode, parseCgroupMounts, v1Hierarchies } from '../../../src/runtime/cgroups/mode.js';
import { cgroupInnerPath, hierarchyDir, parseProcCgroup } from '../../../src/runtime/cgroups/paths.js';

const HYBRID = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate
`;
const V2 = '29 23 0:26 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n';
const V1 = HYBRID.split('\n')
  .filter((l) => !l.includes('unified'))
  .join('\n');

function withMountinfo(text: string, fn: (path: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'hull-mi-'));
  try {
    writeFileSync(join(dir, 'mountinfo'), text);
    fn(join(dir, 'mountinfo'));
  } finally {
    rmSync(dir, { recursive: true });
  }
}

describe('detectCgroupMode', () => {
  it('reads v2, hybrid and v1 layouts from mountinfo', () => {
    withMountinfo(V2, (p) => assert.equal(detectCgroupMode('/sys/fs/cgroup', p), 'v2'));
    withMountinfo(HYBRID, (p) => assert.equal(detectCgroupMode('/sys/fs/cgroup', p), 'hybrid'));
    withMountinfo(V1, (p) => assert.equal(detectCgroupMode('/sys/fs/cgroup/', p), 'v1'));
  });
  it('fails when nothing is mounted', () => {
    withMountinfo('22 1 0:1 / / rw - ext4 /dev/vda rw\n', (p) =>
      assert.throws(() => detectCgroupMode('/sys/fs/cgroup', p), { code: 'CGROUP_NOT_MOUNTED' }),
    );
  });
  it('maps co-mounted and named hierarchies', () => {
    const h = v1Hierarchies(parseCgroupMounts(HYBRID), '/sys/fs/cgroup');
    assert.equal(h.get('cpu')?.mountPoint, '/sys/fs/cgroup/cpu,cpuacct');
    assert.equal(h.get('cpuacct')?.mountPoint, '/sys/fs/cgroup/cpu,cpuacct');
    assert.equal(h.get('name=systemd')?.mountPoint, '/sys/fs/cgroup/systemd');
    assert.equal(h.has('xattr'), false);
    assert.equal(h.has('unified'), false);
  });
  it('detects this host', () => {
    assert.ok(['v1', 'v2', 'hybrid'].includes(detectCgroupMode()));
  });
});

describe('cgroup paths', () => {
  it('defaults to /hull/<id>', () => {
    assert.deepEqual(cgroupInnerPath('abc', undefined), { path: 'hull/abc', relative: false });
  });
  it('keeps absolute and relative paths apart and normalises slashes', () => {
    assert.deepEqual(cgroupInnerPath('x', '/a//b/'), { path: 'a/b', relative: false });
    assert.deepEqual(cgroupInnerPath('x', 'a/./b'), { path: 'a/b', relative: true });
  });
  it('rejects .. and empty paths with the JSON path', () => {
    assert.throws(
      () => cgroupInnerPath('x', '/a/../../etc'),
      (e: unknown) => e instanceof HullError && e.jsonPath === '$.linux.cgroupsPath',
    );
    assert.throws(() => cgroupInnerPath('x', '/'), { code: 'CGROUP_PATH_INVALID' });
    assert.throws(() => cgroupInnerPath('a/b', undefined), { code: 'CGROUP_PATH_INVALID' });
  });
  it('resolves relative paths against the own cgroup, inside the mount root', () => {
    const own = parseProcCgroup('4:memory:/process_api/abc\n1:cpu,cpuacct:/\n0::/user.slice/x.scope\n');
    assert.equal(own.get('memory'), '/process_api/abc');
    assert.equal(own.get('cpuacct'), '/');
    assert.equal(own.get(''), '/user.slice/x.scope');
    const rel = cgroupInnerPath('x', 'c1');
    assert.equal(
      hierarchyDir('/sys/fs/cgroup/memory', '/', rel, own.get('memory')),
      '/sys/fs/cgroup/memory/process_api/abc/c1',
    );
    assert.equal(hierarchyDir('/m', '/process_api', rel, '/process_api/abc'), '/m/abc/c1');
    assert.equal(hierarchyDir('/m', '/', cgroupInnerPath('x', '/c1'), '/ignored'), '/m/c1');
  });
});

describe('conversions (runc formulas)', () => {
  it('cpu shares → weight', () => {
    assert.equal(sharesToWeight(2), 1);
    assert.equal(sharesToWeight(1024), 39);
    assert.equal(sharesToWeight(262144), 10000);
    assert.equal(sharesToWeight(0), 0);
  });
  it('blkio weight → io.weight', () => {
    assert.equal(blkioToIoWeight(10), 1);
    assert.equal(blkioToIoWeight(1000), 10000);
    assert.equal(blkioToIoWeight(500), 4950);
  });
  it('memory+swap → swap alone', () => {
    assert.equal(swapToV2(300, 100), 200);
    assert.equal(swapToV2(-1, 100), -1);
    assert.equal(swapToV2(undefined, -1), -1);
    assert.equal(swapToV2(undefined, 100), undefined);
    assert.throws(() => swapToV2(50, 100), { code: 'CGROUP_VALUE_INVALID' });
    assert.throws(() => swapToV2(50, undefined), { code: 'CGROUP_VALUE_INVALID' });
  });
  it('device rules get the spec defaults', () => {
    const rules = normalizeDeviceRules([
      { allow: false },
      { allow: true, type: 'c', major: 1, minor: 3, access: 'wr' },
    ]);
    assert.deepEqual(rules.map(deviceRuleLine), ['a *:* rwm', 'c 1:3 rw']);
    assert.throws(() => normalizeDeviceRules([{ allow: true, access: 'rx' }]), {
      code: 'CGROUP_VALUE_INVALID',
    });
  });
});
