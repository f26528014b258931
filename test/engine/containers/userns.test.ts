/**
 * `hull run --user-ns auto` end to end (issue 5, podman's --userns=auto): each container gets
 * its own range of host ids from the subordinate ids of "containers" (a private subuid/subgid
 * file here, through HULL_SUBUID/HULL_SUBGID), root inside is the range's first id on the host,
 * the image's files keep their owners as the container sees them, ranges never overlap while
 * containers hold them, and a container leaves no namespace file, mount or range behind.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { enginePaths } from '../../../src/engine/paths.js';
import { containerDirs, type EngineEnv, engineEnv, engineMounts, leftovers } from './engine-env.js';

const START = 300000;
const ids = mkdtempSync(join(tmpdir(), 'hull-subids-'));
const subuid = join(ids, 'subuid');
const subgid = join(ids, 'subgid');
writeFileSync(subuid, `someone:100000:65536\ncontainers:${START}:200000\n`);
writeFileSync(subgid, `containers:${START + 1000000}:200000\n`);
process.env.HULL_SUBUID = subuid;
process.env.HULL_SUBGID = subgid;

/** The first line of /proc/self/uid_map or gid_map as [inside, host, size]. */
function mapOf(text: string): number[] {
  return (text.trim().split('\n')[0] ?? '').trim().split(/\s+/).map(Number);
}

describe('hull run --user-ns auto', () => {
  let e: EngineEnv;
  before(async () => {
    e = await engineEnv();
    // mkdtemp's 0700 directory would stop the container's root on its way to its rootfs.
    chmodSync(dirname(e.root), 0o711);
  });
  after(async () => {
    await e?.close();
    rmSync(ids, { recursive: true, force: true });
  });

  it('runs the container as root of its own range, the image files owned as the image has them', () => {
    const r = e.ok([
      'run',
      '--rm',
      '--network',
      'none',
      '--user-ns',
      'auto',
      e.image,
      'sh',
      '-c',
      'cat /proc/self/uid_map; cat /proc/self/gid_map; id -u; stat -c %u:%g /bin/busybox /etc/hosts',
    ]);
    const [uidLine, gidLine, uid, bin, hosts] = r.stdout.trim().split('\n');
    // busybox's /etc/passwd names nobody (65534): the range holds it.
    assert.deepEqual(mapOf(uidLine ?? ''), [0, START, 65535]);
    assert.deepEqual(mapOf(gidLine ?? ''), [0, START + 1000000, 65535]);
    assert.equal(uid, '0');
    assert.equal(bin, '0:0', 'the image layer is seen through the idmapped mount');
    assert.equal(hosts, '0:0', "the container's /etc/hosts belongs to its root");
  });

  it('writes files as the range on the host, honours auto:size=N, and exec joins the same namespace', () => {
    const id = e
      .ok(['run', '-d', '--network', 'none', '--user-ns', 'auto:size=2000', e.image, 'sleep', '60'])
      .stdout.trim();
    e.ok(['exec', id, 'sh', '-c', 'echo x > /made-here']);
    const upper = join(e.root, 'containers', id, 'upper', 'made-here');
    assert.equal(statSync(upper).uid, START, 'a file root made in the container is owned by the range on the host');
    assert.equal(statSync(upper).gid, START + 1000000);
    const map = e.ok(['exec', id, 'cat', '/proc/self/uid_map']).stdout;
    assert.deepEqual(mapOf(map), [0, START, 2000]);
    e.ok(['rm', '-f', id]);
  });

  it('gives running containers disjoint ranges and reuses a range once its container is gone', () => {
    const a = e
      .ok(['run', '-d', '--network', 'none', '--user-ns', 'auto:size=1024', e.image, 'sleep', '60'])
      .stdout.trim();
    const b = e
      .ok(['run', '-d', '--network', 'none', '--user-ns', 'auto:size=1024', e.image, 'sleep', '60'])
      .stdout.trim();
    const mapA = mapOf(e.ok(['exec', a, 'cat', '/proc/self/uid_map']).stdout);
    const mapB = mapOf(e.ok(['exec', b, 'cat', '/proc/self/uid_map']).stdout);
    assert.deepEqual(mapA, [0, START, 1024]);
    assert.deepEqual(mapB, [0, START + 1024, 1024]);
    e.ok(['rm', '-f', a]);
    const c = e.ok([
      'run',
      '--rm',
      '--network',
      'none',
      '--user-ns',
      'auto:size=1024',
      e.image,
      'cat',
      '/proc/self/uid_map',
    ]);
    assert.deepEqual(mapOf(c.stdout), [0, START, 1024], "the first range is free again once a's container is removed");
    e.ok(['rm', '-f', b]);
  });

  it('has its network on the default bridge, with sysfs of its own network namespace', () => {
    const r = e.ok([
      'run',
      '--rm',
      '--user-ns',
      'auto',
      e.image,
      'sh',
      '-c',
      'ip -4 -o addr show eth0 | wc -l; ls /sys/class/net | sort | tr "\\n" " "',
    ]);
    const [eth0, nets] = r.stdout.trim().split('\n');
    assert.equal(eth0, '1', 'eth0 has an address');
    assert.equal(nets?.trim(), 'eth0 lo', "/sys shows the container's network namespace");
  });

  it('works the same with --runtime runc', () => {
    const r = e.ok([
      'run',
      '--rm',
      '--network',
      'none',
      '--runtime',
      'runc',
      '--user-ns',
      'auto:size=4096',
      e.image,
      'sh',
      '-c',
      'cat /proc/self/uid_map; touch /x && stat -c %u /x',
    ]);
    const [map, owner] = r.stdout.trim().split('\n');
    assert.deepEqual(mapOf(map ?? ''), [0, START, 4096]);
    assert.equal(owner, '0');
  });

  it('leaves no user namespace, netns, mount or directory behind', () => {
    const id = e.ok(['run', '-d', '--user-ns', 'auto', e.image, 'sleep', '60']).stdout.trim();
    assert.ok(existsSync(`/run/hull/userns/${id}`), 'the user namespace is bound while the container exists');
    e.ok(['rm', '-f', id]);
    assert.deepEqual(leftovers(e.root, id, enginePaths(e.root).runtimeRoot), []);
    assert.deepEqual(engineMounts(e.root), []);
    assert.deepEqual(containerDirs(e.root), []);
  });

  it('fails with exit 125 naming the file when "containers" has no subordinate ids, leaving nothing', () => {
    const none = join(ids, 'empty');
    writeFileSync(none, 'someone:100000:65536\n');
    const r = e.hull(['run', '--rm', '--user-ns', 'auto', e.image, 'true'], { ...process.env, HULL_SUBUID: none });
    assert.equal(r.status, 125);
    assert.match(r.stderr, new RegExp(`no subordinate ids for user "containers" in ${none}`));
    assert.equal(e.ok(['ps', '-aq']).stdout.trim(), '');
    assert.deepEqual(containerDirs(e.root), []);
  });

  it('fails with exit 125 naming a directory above --root the container cannot pass to its volume', () => {
    const closed = mkdtempSync(join(tmpdir(), 'hull-closed-')); // 0700
    try {
      const root = join(closed, 'root');
      const r = e.hull(['run', '--root', root, '--rm', '--user-ns', 'auto', '-v', 'data:/data', e.image, 'true'], {
        ...process.env,
        HULL_REGISTRIES: e.host,
      });
      assert.equal(r.status, 125, r.stderr);
      assert.match(r.stderr, new RegExp(`cannot pass through ${closed} \\(mode 0700\\)`));
      assert.deepEqual(containerDirs(root), []);
    } finally {
      rmSync(closed, { recursive: true, force: true });
    }
  });

  it('fails with exit 125 when no free range is left, and refuses an unknown mode', () => {
    const r = e.hull(['run', '--rm', '--user-ns', 'auto:size=300000', e.image, 'true']);
    assert.equal(r.status, 125);
    assert.match(r.stderr, /no free range of 300000 ids/);
    const bad = e.hull(['run', '--rm', '--user-ns', 'private', e.image, 'true']);
    assert.equal(bad.status, 125);
    assert.match(bad.stderr, /--user-ns private: expected host, auto or auto:size=N/);
  });
});
