/**
 * v1 / hybrid managers against the real host's cgroups (needs root and a v1 or hybrid layout;
 * skipped elsewhere). Limits are read back from the kernel's files, membership from
 * /proc/PID/cgroup, and nothing may be left under /sys/fs/cgroup/<controller>/<test path>.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { HullError } from '../../../src/errors.js';
import { type CgroupManager, createCgroupManager, detectCgroupMode } from '../../../src/runtime/cgroups/index.js';

const ROOT = '/sys/fs/cgroup';
const mode = (() => {
  try {
    return detectCgroupMode();
  } catch {
    return undefined;
  }
})();
const skip =
  process.getuid?.() !== 0 || (mode !== 'v1' && mode !== 'hybrid') ? 'needs root on a v1/hybrid host' : false;

let n = 0;
const testPaths: string[] = [];
const children: ChildProcess[] = [];
function testPath(suffix = ''): string {
  const p = `/hull-test-${process.pid}-${n++}${suffix}`;
  testPaths.push(p.split('/')[1] ?? '');
  return p;
}
const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8').trim();
const hierarchies = () => readdirSync(ROOT).map((d) => join(ROOT, d));
/** Every leftover directory of the tests, in any hierarchy. */
function leftovers(top: string): string[] {
  return hierarchies().filter((h) => existsSync(join(h, top)));
}

// The hybrid hugetlb fallback enables +hugetlb at the unified root; put the root back as found.
const unifiedSubtree = join(ROOT, 'unified', 'cgroup.subtree_control');
const subtreeBefore = existsSync(unifiedSubtree) ? readFileSync(unifiedSubtree, 'utf8').trim().split(/\s+/) : [];

after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await Promise.all(children.map(exited));
  for (const top of testPaths) {
    for (const h of leftovers(top)) {
      const dirs = readdirSync(join(h, top), { recursive: true, withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => join(e.parentPath, e.name))
        .sort((a, b) => b.length - a.length);
      for (const d of [...dirs, join(h, top)]) rmdirQuiet(d);
    }
  }
  if (existsSync(unifiedSubtree) && !subtreeBefore.includes('hugetlb')) {
    try {
      writeFileSync(unifiedSubtree, '-hugetlb');
    } catch {
      // another cgroup still uses it: leave it enabled
    }
  }
});

function rmdirQuiet(d: string): void {
  try {
    rmdirSync(d);
  } catch {
    // reported by the leftovers assertions of the test that made it
  }
}

function spawnSleep(): ChildProcess {
  const c = spawn('sleep', ['1000'], { stdio: 'ignore' });
  children.push(c);
  return c;
}
const exited = (c: ChildProcess) =>
  new Promise<void>((res) => (c.exitCode !== null || c.signalCode !== null ? res() : c.once('exit', () => res())));

function blockDevice(): string | undefined {
  // The first whole disk that is not zram (throttling needs a real request queue).
  for (const name of readdirSync('/sys/block')) {
    if (name.startsWith('zram') || name.startsWith('loop') || name.startsWith('ram')) continue;
    return read(join('/sys/block', name), 'dev');
  }
  return undefined;
}

describe(`cgroup managers on this ${mode} host`, { skip }, () => {
  it('creates, applies, joins, freezes, kills and destroys', async () => {
    const path = testPath();
    const warnings: string[] = [];
    const m: CgroupManager = createCgroupManager({ id: 'x', cgroupsPath: path, warn: (w) => warnings.push(w) });
    assert.equal(m.mode, mode);
    m.create();
    const p = m.paths;
    assert.ok(p.memory && p.cpu && p.pids && p.cpuset && p.freezer && p.devices, 'usual controllers mounted');
    if (mode === 'hybrid') assert.equal(p[''], join(ROOT, 'unified', path));
    for (const dir of new Set(Object.values(p))) assert.ok(existsSync(dir), dir);
    // v1 cpuset was seeded from the parent so a task may join.
    assert.equal(read(p.cpuset, 'cpuset.cpus'), read(`${ROOT}/cpuset`, 'cpuset.cpus'));

    const dev = blockDevice();
    const [major, minor] = (dev ?? '0:0').split(':').map(Number) as [number, number];
    const hugetlb =
      existsSync(join(ROOT, 'hugetlb')) ||
      (mode === 'hybrid' && read(join(ROOT, 'unified'), 'cgroup.controllers').includes('hugetlb'));
    const memsw = existsSync(join(p.memory, 'memory.memsw.limit_in_bytes'));
    m.apply({
      devices: [
        { allow: false, access: 'rwm' },
        { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
        { allow: true, type: 'c', major: 136, access: 'rw' },
      ],
      memory: {
        limit: 64 * 1024 * 1024,
        reservation: 32 * 1024 * 1024,
        swappiness: 10,
        kernel: 1,
        ...(memsw ? { swap: 128 * 1024 * 1024 } : {}),
      },
      cpu: { shares: 512, quota: 50000, period: 100000, cpus: '0', mems: '0' },
      pids: { limit: 32 },
      ...(dev ? { blockIO: { throttleReadBpsDevice: [{ major, minor, rate: 1048576 }] } } : {}),
      ...(hugetlb ? { hugepageLimits: [{ pageSize: '2MB', limit: 4194304 }] } : {}),
      ...(mode === 'hybrid' ? { unified: { 'cgroup.max.descendants': '5' } } : {}),
    });
    assert.deepEqual(warnings, ['$.linux.resources.memory.kernel is deprecated and ignored']);
    assert.equal(read(p.memory, 'memory.limit_in_bytes'), String(64 * 1024 * 1024));
    assert.equal(read(p.memory, 'memory.soft_limit_in_bytes'), String(32 * 1024 * 1024));
    assert.equal(read(p.memory, 'memory.swappiness'), '10');
    if (memsw) assert.equal(read(p.memory, 'memory.memsw.limit_in_bytes'), String(128 * 1024 * 1024));
    assert.equal(read(p.cpu, 'cpu.shares'), '512');
    assert.equal(read(p.cpu, 'cpu.cfs_quota_us'), '50000');
    assert.equal(read(p.cpu, 'cpu.cfs_period_us'), '100000');
    assert.equal(read(p.cpuset, 'cpuset.cpus'), '0');
    assert.equal(read(p.cpuset, 'cpuset.mems'), '0');
    assert.equal(read(p.pids, 'pids.max'), '32');
    assert.deepEqual(read(p.devices, 'devices.list').split('\n'), ['c 1:3 rwm', 'c 136:* rw']);
    if (dev) assert.equal(read(p.blkio ?? '', 'blkio.throttle.read_bps_device'), `${dev} 1048576`);
    if (hugetlb) {
      const dir = p.hugetlb ?? p[''] ?? '';
      const file = p.hugetlb ? 'hugetlb.2MB.limit_in_bytes' : 'hugetlb.2MB.max';
      assert.equal(read(dir, file), '4194304');
    }
    if (mode === 'hybrid') assert.equal(read(p[''] ?? '', 'cgroup.max.descendants'), '5');

    const child = spawnSleep();
    const pid = child.pid ?? 0;
    m.join(pid);
    const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n');
    for (const ctl of ['memory', 'cpu', 'pids', 'cpuset', 'freezer', 'devices']) {
      assert.ok(
        lines.some((l) => l.split(':')[1]?.split(',').includes(ctl) && l.endsWith(`:${path}`)),
        `${ctl} in ${lines.join(' ')}`,
      );
    }
    if (mode === 'hybrid') assert.ok(lines.includes(`0::${path}`), lines.join(' '));
    assert.deepEqual(m.pids(), [pid]);

    const s = m.stats();
    assert.equal(s.pids?.current, 1);
    assert.equal(s.pids?.limit, 32);
    assert.equal(s.memory?.limit, 64 * 1024 * 1024);
    // v1 charges pages where they were faulted in; a joined process brings none along.
    assert.equal(typeof s.memory?.usage, 'number');
    assert.equal(typeof s.cpu?.usageNs, 'number');

    m.freeze();
    assert.equal(m.state(), 'frozen');
    assert.equal(read(p.freezer, 'freezer.state'), 'FROZEN');
    // A v1-frozen task sleeps in the freezer: /proc shows D (or T on older kernels), never S/R.
    assert.match(read(`/proc/${pid}`, 'status').match(/^State:\s+(\S)/m)?.[1] ?? '', /[DT]/);
    m.thaw();
    assert.equal(m.state(), 'thawed');
    assert.equal(read(p.freezer, 'freezer.state'), 'THAWED');

    m.killAll('SIGKILL');
    await exited(child);
    assert.equal(child.signalCode, 'SIGKILL');
    assert.deepEqual(m.pids(), []);
    m.destroy();
    assert.deepEqual(leftovers(path.slice(1)), []);
  });

  it('killAll with SIGTERM reaches every process and destroy removes sub-cgroups', async () => {
    const path = testPath();
    const m = createCgroupManager({ id: 'x', cgroupsPath: path });
    m.create();
    const a = spawnSleep();
    const b = spawnSleep();
    m.join(a.pid ?? 0);
    m.join(b.pid ?? 0);
    assert.deepEqual(
      m.pids().sort(),
      [a.pid, b.pid].sort((x, y) => (x ?? 0) - (y ?? 0)),
    );
    m.killAll('SIGTERM');
    await Promise.all([exited(a), exited(b)]);
    assert.equal(a.signalCode, 'SIGTERM');
    // A sub-cgroup the container made itself goes too, deepest first.
    mkdirSync(join(m.paths.pids ?? '', 'inner'));
    m.destroy();
    assert.deepEqual(leftovers(path.slice(1)), []);
  });

  it('rolls back every directory when apply fails mid-way', () => {
    const path = testPath('/nested/leaf');
    const top = path.split('/')[1] ?? '';
    const m = createCgroupManager({ id: 'x', cgroupsPath: path });
    m.create();
    assert.ok(leftovers(top).length > 0);
    assert.ok(m.created.length >= 3 * new Set(Object.values(m.paths)).size);
    assert.throws(
      () => m.apply({ memory: { limit: 64 * 1024 * 1024 }, cpu: { shares: 256, cpus: '999' }, pids: { limit: 5 } }),
      (e: unknown) =>
        e instanceof HullError &&
        e.code === 'CGROUP_WRITE' &&
        e.jsonPath === '$.linux.resources.cpu.cpus' &&
        e.file === join(m.paths.cpuset ?? '', 'cpuset.cpus'),
    );
    assert.deepEqual(leftovers(top), []);
  });

  it('reports a controller this host lacks with the JSON path, and rolls back', () => {
    const path = testPath();
    const m = createCgroupManager({ id: 'x', cgroupsPath: path });
    m.create();
    if (!m.paths.net_cls) {
      assert.throws(() => m.apply({ network: { classID: 0x100001 } }), {
        code: 'CGROUP_UNSUPPORTED',
        jsonPath: '$.linux.resources.network.classID',
      });
    } else {
      m.apply({ network: { classID: 0x100001 } });
      assert.equal(read(m.paths.net_cls, 'net_cls.classid'), String(0x100001));
      m.destroy();
    }
    assert.deepEqual(leftovers(path.slice(1)), []);
  });

  it('refuses unified keys on pure v1 and a missing unified file on hybrid', () => {
    const path = testPath();
    const m = createCgroupManager({ id: 'x', cgroupsPath: path });
    m.create();
    assert.throws(() => m.apply({ unified: { 'nosuch.max': '1' } }), {
      jsonPath: '$.linux.resources.unified["nosuch.max"]',
    });
    assert.deepEqual(leftovers(path.slice(1)), []);
  });

  it('puts a relative cgroupsPath under the runtime own cgroup in each hierarchy', () => {
    const name = `hull-test-${process.pid}-${n++}`;
    testPaths.push(name);
    const own = new Map(
      readFileSync('/proc/self/cgroup', 'utf8')
        .trim()
        .split('\n')
        .flatMap((l) => {
          const [, ctls = '', p = ''] = l.split(':');
          return ctls.split(',').map((c) => [c, p] as const);
        }),
    );
    const m = createCgroupManager({ id: 'x', cgroupsPath: name });
    assert.equal(m.paths.memory, join(ROOT, 'memory', own.get('memory') ?? '/', name));
    m.create();
    m.destroy();
    for (const dir of Object.values(m.paths)) assert.equal(existsSync(dir), false, dir);
  });
});
