/**
 * The cgroup v2 manager against a fake unified tree in a temp dir: the files the kernel would
 * create are pre-created, and every write is recorded in order (writeTrace) and checked exactly.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { HullError } from '../../../src/errors.js';
import { writeTrace } from '../../../src/runtime/cgroups/fs.js';
import { CgroupV2Manager, createCgroupManager } from '../../../src/runtime/cgroups/index.js';

const CONTROLLERS = 'cpuset cpu io memory hugetlb pids rdma misc';
const LEAF_FILES = [
  'cgroup.procs',
  'cgroup.controllers',
  'cgroup.subtree_control',
  'cgroup.freeze',
  'cgroup.kill',
  'cpu.weight',
  'cpu.max',
  'cpu.max.burst',
  'cpu.idle',
  'cpuset.cpus',
  'cpuset.mems',
  'memory.max',
  'memory.low',
  'memory.swap.max',
  'memory.current',
  'pids.max',
  'io.weight',
  'io.max',
  'hugetlb.2MB.max',
  'hugetlb.2MB.rsvd.max',
  'rdma.max',
  'misc.max',
];

const tmp = mkdtempSync(join(tmpdir(), 'hull-cg2-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
let root = '';
let writes: [string, string][] = [];

/** A unified root with `parents` (no files in them but the ones the kernel makes) and a leaf. */
function fakeTree(leaf: string): void {
  root = join(tmp, `root${n++}`);
  mkdirSync(root);
  writeFileSync(join(root, 'cgroup.controllers'), `${CONTROLLERS}\n`);
  writeFileSync(join(root, 'cgroup.subtree_control'), '');
  const parts = leaf.split('/').filter(Boolean);
  let dir = root;
  for (const [i, p] of parts.entries()) {
    dir = join(dir, p);
    mkdirSync(dir);
    for (const f of i === parts.length - 1
      ? LEAF_FILES
      : ['cgroup.procs', 'cgroup.subtree_control', 'cgroup.controllers'])
      writeFileSync(join(dir, f), '');
  }
}

const rel = (p: string) => p.slice(root.length);
beforeEach(() => {
  writes = [];
  writeTrace.hook = (p, v) => writes.push([rel(p), v]);
});
afterEach(() => {
  writeTrace.hook = undefined;
});

describe('CgroupV2Manager on a fake tree', () => {
  it('computes the path and enables every root controller top-down on create', () => {
    fakeTree('/hull/c1');
    const m = createCgroupManager({ id: 'c1', root, mode: 'v2' });
    assert.ok(m instanceof CgroupV2Manager);
    assert.deepEqual(m.paths, { '': join(root, 'hull/c1') });
    m.create();
    const plus = CONTROLLERS.split(' ')
      .map((c) => `+${c}`)
      .join(' ');
    assert.deepEqual(writes, [
      ['/cgroup.subtree_control', plus],
      ['/hull/cgroup.subtree_control', plus],
    ]);
    assert.deepEqual(m.created, []);
  });

  it('maps every resource to the v2 files, unified last', () => {
    fakeTree('/a/b');
    const warnings: string[] = [];
    const m = createCgroupManager({ id: 'x', cgroupsPath: '/a/b', root, mode: 'v2', warn: (w) => warnings.push(w) });
    m.apply({
      memory: { limit: 104857600, reservation: 52428800, swap: 209715200, kernel: 1, swappiness: 10 },
      cpu: { shares: 1024, quota: 50000, period: 100000, burst: 10000, idle: 0, cpus: '0-1', mems: '0' },
      pids: { limit: 0 },
      blockIO: {
        weight: 500,
        weightDevice: [{ major: 8, minor: 0, weight: 1000 }],
        throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 600 }],
        throttleWriteIOPSDevice: [{ major: 8, minor: 16, rate: 300 }],
      },
      hugepageLimits: [{ pageSize: '2MB', limit: 4194304 }],
      rdma: { mlx5_1: { hcaHandles: 3, hcaObjects: 10000 }, rxe3: { hcaObjects: 7 } },
      devices: [{ allow: false, access: 'rwm' }],
      unified: { 'memory.max': '99999', 'misc.max': 'res_a 1' },
    });
    assert.deepEqual(writes, [
      ['/a/b/memory.swap.max', '104857600'],
      ['/a/b/memory.max', '104857600'],
      ['/a/b/memory.low', '52428800'],
      ['/a/b/cpu.weight', '39'],
      ['/a/b/cpu.idle', '0'],
      ['/a/b/cpu.max', '50000 100000'],
      ['/a/b/cpu.max.burst', '10000'],
      ['/a/b/cpuset.cpus', '0-1'],
      ['/a/b/cpuset.mems', '0'],
      ['/a/b/pids.max', '0'],
      ['/a/b/io.weight', '4950'],
      ['/a/b/io.weight', '8:0 10000'],
      ['/a/b/io.max', '8:0 rbps=600'],
      ['/a/b/io.max', '8:16 wiops=300'],
      ['/a/b/hugetlb.2MB.max', '4194304'],
      ['/a/b/hugetlb.2MB.rsvd.max', '4194304'],
      ['/a/b/rdma.max', 'mlx5_1 hca_handle=3 hca_object=10000'],
      ['/a/b/rdma.max', 'rxe3 hca_object=7'],
      ['/a/b/memory.max', '99999'],
      ['/a/b/misc.max', 'res_a 1'],
    ]);
    assert.equal(readFileSync(join(root, 'a/b/memory.max'), 'utf8'), '99999');
    assert.deepEqual(warnings, [
      '$.linux.resources.memory.kernel is deprecated and ignored',
      '$.linux.resources.memory.swappiness has no cgroup v2 equivalent and is ignored',
    ]);
    // v2 devices are a BPF program (hull-init); the manager hands the normalised list over.
    assert.deepEqual(m.deviceRules({ devices: [{ allow: false, access: 'rwm' }] }), [
      { allow: false, type: 'a', major: -1, minor: -1, access: 'rwm' },
    ]);
  });

  it('spells unlimited as max and a lone period as max <period>', () => {
    fakeTree('/u');
    const m = createCgroupManager({ id: 'x', cgroupsPath: '/u', root, mode: 'v2' });
    m.apply({ memory: { limit: -1 }, cpu: { period: 20000 }, pids: { limit: -1 } });
    assert.deepEqual(writes, [
      ['/u/memory.swap.max', 'max'],
      ['/u/memory.max', 'max'],
      ['/u/cpu.max', 'max 20000'],
      ['/u/pids.max', 'max'],
    ]);
  });

  it('uses io.bfq.weight when BFQ is there', () => {
    fakeTree('/bfq');
    writeFileSync(join(root, 'bfq/io.bfq.weight'), '');
    const m = createCgroupManager({ id: 'x', cgroupsPath: '/bfq', root, mode: 'v2' });
    m.apply({ blockIO: { weight: 500, weightDevice: [{ major: 8, minor: 0, weight: 300 }] } });
    assert.deepEqual(writes, [
      ['/bfq/io.bfq.weight', '500'],
      ['/bfq/io.bfq.weight', '8:0 300'],
    ]);
  });

  it('names the JSON path and file when a controller is missing', () => {
    fakeTree('/m');
    rmSync(join(root, 'm/pids.max'));
    const m = createCgroupManager({ id: 'x', cgroupsPath: '/m', root, mode: 'v2' });
    assert.throws(
      () => m.apply({ pids: { limit: 5 } }),
      (e: unknown) =>
        e instanceof HullError &&
        e.code === 'CGROUP_UNSUPPORTED' &&
        e.jsonPath === '$.linux.resources.pids.limit' &&
        e.file === join(root, 'm/pids.max'),
    );
    assert.throws(() => m.apply({ unified: { 'nope.max': '1' } }), {
      jsonPath: '$.linux.resources.unified["nope.max"]',
    });
    assert.throws(() => m.apply({ unified: { '../x': '1' } }), { code: 'CGROUP_VALUE_INVALID' });
    assert.throws(() => m.apply({ cpu: { realtimeRuntime: 1 } }), {
      jsonPath: '$.linux.resources.cpu.realtimeRuntime',
    });
    assert.throws(() => m.apply({ network: { classID: 1 } }), { jsonPath: '$.linux.resources.network.classID' });
    assert.throws(() => m.apply({ cpu: { quota: 10, burst: 20 } }), { jsonPath: '$.linux.resources.cpu.burst' });
  });

  it('checkBeforeUpdate refuses a limit below current usage', () => {
    fakeTree('/cb');
    writeFileSync(join(root, 'cb/memory.current'), '5000\n');
    const m = createCgroupManager({ id: 'x', cgroupsPath: '/cb', root, mode: 'v2' });
    assert.throws(() => m.apply({ memory: { limit: 4096, checkBeforeUpdate: true } }), {
      jsonPath: '$.linux.resources.memory.limit',
    });
    assert.deepEqual(writes, []);
    m.apply({ memory: { limit: 8192, checkBeforeUpdate: true } });
    assert.deepEqual(writes, [['/cb/memory.max', '8192']]);
  });

  it('joins, freezes, thaws, lists pids, kills via cgroup.kill and reads stats', () => {
    fakeTree('/j');
    const d = join(root, 'j');
    writeFileSync(join(d, 'cgroup.events'), 'populated 1\nfrozen 1\n');
    writeFileSync(join(d, 'cpu.stat'), 'usage_usec 100\nuser_usec 60\nsystem_usec 40\nnr_periods 3\n');
    writeFileSync(join(d, 'memory.current'), '4096\n');
    writeFileSync(join(d, 'pids.current'), '2\n');
    const m = createCgroupManager({ id: 'x', cgroupsPath: '/j', root, mode: 'v2' });
    m.join(1234);
    m.freeze();
    writeFileSync(join(d, 'cgroup.freeze'), '1\n'); // what the kernel would show
    assert.equal(m.state(), 'frozen');
    m.thaw();
    m.killAll();
    assert.deepEqual(writes, [
      ['/j/cgroup.procs', '1234'],
      ['/j/cgroup.freeze', '1'],
      ['/j/cgroup.freeze', '0'],
      ['/j/cgroup.kill', '1'],
    ]);
    assert.equal(m.state(), 'thawed');
    writeFileSync(join(d, 'cgroup.procs'), '11\n12\n');
    mkdirSync(join(d, 'sub'));
    writeFileSync(join(d, 'sub/cgroup.procs'), '13\n');
    assert.deepEqual(m.pids(), [11, 12, 13]);
    const s = m.stats();
    assert.deepEqual(s.cpu, {
      usageNs: 100000,
      userNs: 60000,
      systemNs: 40000,
      periods: 3,
      throttledPeriods: undefined,
      throttledNs: undefined,
    });
    assert.equal(s.memory?.usage, 4096);
    assert.equal(s.memory?.limit, undefined); // memory.max empty in the fake tree
    assert.deepEqual(s.pids, { current: 2, limit: undefined });
    m.destroy();
    assert.equal(existsSync(d), false);
    assert.equal(existsSync(root), true);
  });

  it('puts a relative cgroupsPath under the parent of the own cgroup', () => {
    fakeTree('/');
    const proc = join(root, 'proc-self-cgroup');
    writeFileSync(proc, '0::/user.slice/session-1.scope\n');
    const m = createCgroupManager({ id: 'x', cgroupsPath: 'ctr', root, mode: 'v2', procSelfCgroup: proc });
    assert.deepEqual(m.paths, { '': join(root, 'user.slice/ctr') });
  });

  it('removes the directories it made when apply fails', () => {
    fakeTree('/');
    const m = createCgroupManager({ id: 'rb', cgroupsPath: '/p/q', root, mode: 'v2' });
    m.create();
    assert.deepEqual(m.created, [join(root, 'p'), join(root, 'p/q')]);
    assert.throws(() => m.apply({ memory: { limit: 1 } }), { code: 'CGROUP_UNSUPPORTED' });
    assert.equal(existsSync(join(root, 'p')), false);
  });
});
