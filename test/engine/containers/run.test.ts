/**
 * hull run end to end through the CLI (issue 5): pull from hull's registry, image config
 * conversion, exit codes, --rm, detached containers with logs/exec/stop/wait after hull exited,
 * snapshot sharing, cgroup limits, bad input with exit 125 and nothing left behind.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { containerDir, enginePaths } from '../../../src/engine/paths.js';
import { containerDirs, type EngineEnv, engineEnv, engineMounts } from './engine-env.js';

describe('hull run', () => {
  let e: EngineEnv;
  before(async () => {
    e = await engineEnv();
  });
  after(() => e?.close());

  it('pulls the image, runs the command, prints its output and exits with its code', () => {
    const r = e.hull(['run', '--rm', '--network', 'none', e.image, 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    assert.equal(r.status, 3, r.stderr);
    assert.equal(r.stdout.trim().split('\n').pop(), 'out');
    assert.match(r.stderr, /err/);
  });

  it('--rm leaves no container, mount or directory behind', () => {
    e.ok(['run', '--rm', '--network', 'none', e.image, 'true']);
    assert.equal(e.ok(['ps', '-aq']).stdout.trim(), '');
    assert.deepEqual(engineMounts(e.root), []);
    assert.deepEqual(containerDirs(e.root), []);
  });

  it('converts the image config (Env, WorkingDir) and applies -e, -w, -u and --entrypoint', () => {
    const plain = e.ok(['run', '--rm', '--network', 'none', e.image, 'sh', '-c', 'echo "$GREETING|$(pwd)|$(id -u)"']);
    assert.equal(plain.stdout.trim(), 'hello from the image|/tmp|0');
    const over = e.ok([
      'run',
      '--rm',
      '--network',
      'none',
      '-e',
      'GREETING=overridden',
      '-w',
      '/etc',
      '-u',
      '65534:65534',
      e.image,
      'sh',
      '-c',
      'echo "$GREETING|$(pwd)|$(id -u):$(id -g)"',
    ]);
    assert.equal(over.stdout.trim(), 'overridden|/etc|65534:65534');
    const ep = e.ok(['run', '--rm', '--network', 'none', '--entrypoint', 'echo', e.image, 'via', 'entrypoint']);
    assert.equal(ep.stdout.trim(), 'via entrypoint');
  });

  it('-d: logs -f, exec, stop and the exit code after hull has exited', () => {
    const id = e
      .ok([
        'run',
        '-d',
        '--network',
        'none',
        '--name',
        'detached',
        e.image,
        'sh',
        '-c',
        'echo started; trap "echo bye; exit 7" TERM; while true; do sleep 0.1; done',
      ])
      .stdout.trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    assert.match(e.ok(['ps']).stdout, /detached/);
    assert.equal(e.ok(['exec', 'detached', 'cat', '/etc/hostname']).stdout.trim(), id.slice(0, 12));
    assert.equal(e.hull(['exec', 'detached', 'sh', '-c', 'exit 5']).status, 5);
    e.ok(['stop', '-t', '5', 'detached']);
    assert.equal(e.ok(['wait', 'detached']).stdout.trim(), '7');
    const logs = e.ok(['logs', '-f', 'detached']).stdout;
    assert.match(logs, /started\n[\s\S]*bye/);
    assert.match(e.ok(['ps', '-a']).stdout, /Exited \(7\)/);
    const inspect = JSON.parse(e.ok(['ps', '-a', '--format', 'json']).stdout) as Array<{
      Name: string;
      State: { ExitCode: number };
    }>;
    assert.equal(inspect.find((c) => c.Name === '/detached')?.State.ExitCode, 7);
    e.ok(['rm', 'detached']);
  });

  it('start after a reboot (its run-time directory on /run gone) remakes the bundle and keeps the layer and logs', async () => {
    const id = e
      .ok(['run', '-d', '--network', 'none', e.image, 'sh', '-c', 'echo run >> /runs; cat /runs | wc -l; exit 3'])
      .stdout.trim();
    assert.equal(e.ok(['wait', id]).stdout.trim(), '3');
    // The exit command (hull container cleanup) unmounts the rootfs; then /run "reboots".
    const rootfs = join(containerDir(enginePaths(e.root), id), 'bundle', 'rootfs');
    for (let i = 0; i < 100 && engineMounts(e.root).includes(rootfs); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(!engineMounts(e.root).includes(rootfs), 'unmounted after the exit');
    rmSync(containerDir(enginePaths(e.root), id), { recursive: true, force: true });
    e.ok(['start', id]);
    assert.equal(e.ok(['wait', id]).stdout.trim(), '3');
    // The container's own layer survived (the file has two lines) and so did the first run's log.
    assert.deepEqual(e.ok(['logs', id]).stdout.trim().split('\n'), ['1', '2']);
    e.ok(['rm', id]);
  });

  it('two containers of one image share its snapshots: nothing is copied', () => {
    const snapshots = join(e.root, 'snapshots');
    e.ok(['pull', '-q', e.image]);
    const before = readdirSync(snapshots).sort();
    const a = e.ok(['create', '--network', 'none', e.image, 'true']).stdout.trim();
    const b = e.ok(['create', '--network', 'none', e.image, 'true']).stdout.trim();
    assert.deepEqual(readdirSync(snapshots).sort(), before, 'no new snapshot for a second container');
    const lowers = (id: string) => readFileSync(join(containerDir(enginePaths(e.root), id), 'lowerdirs.json'), 'utf8');
    assert.equal(lowers(a), lowers(b));
    // The upper directories hold only the empty mount points of /etc/hosts, resolv.conf, hostname.
    for (const id of [a, b]) {
      const upper = join(e.root, 'containers', id, 'upper');
      assert.ok(!readdirSync(upper).includes('bin'), 'nothing of the image copied up');
      const sizes = execFileSync('find', [upper, '-type', 'f', '-printf', '%s\\n'], { encoding: 'utf8' });
      assert.equal(
        sizes
          .split('\n')
          .filter(Boolean)
          .reduce((n, x) => n + Number(x), 0),
        0,
      );
    }
    e.ok(['rm', a, b]);
  });

  it('--memory, --pids-limit and --cpus land in the container cgroup', () => {
    const id = e
      .ok([
        'run',
        '-d',
        '--network',
        'none',
        '--memory',
        '64m',
        '--pids-limit',
        '50',
        '--cpus',
        '0.5',
        e.image,
        'sleep',
        '60',
      ])
      .stdout.trim();
    const cg = (ctrl: string, file: string) => {
      for (const p of [`/sys/fs/cgroup/${ctrl}/hull/${id}/${file}`, `/sys/fs/cgroup/hull/${id}/${file}`]) {
        try {
          return readFileSync(p, 'utf8').trim();
        } catch {
          // try the next layout (v1 controller dir, then v2)
        }
      }
      return undefined;
    };
    const mem = cg('memory', 'memory.limit_in_bytes') ?? cg('', 'memory.max');
    assert.equal(mem, String(64 * 1024 * 1024));
    assert.equal(cg('pids', 'pids.max'), '50');
    const quota = cg('cpu', 'cpu.cfs_quota_us') ?? cg('', 'cpu.max')?.split(' ')[0];
    assert.equal(quota, '50000');
    e.ok(['rm', '-f', id]);
  });

  it('--network none: only the loopback interface', () => {
    const out = e.ok(['run', '--rm', '--network', 'none', e.image, 'cat', '/proc/net/dev']).stdout;
    const ifaces = out
      .split('\n')
      .slice(2)
      .map((l) => l.split(':')[0]?.trim())
      .filter(Boolean);
    assert.deepEqual(ifaces, ['lo']);
  });

  it('bad input exits 125 with one line and leaves nothing: missing image, name in use, missing runtime, bad volume', () => {
    const count = () => containerDirs(e.root).length;
    const n = count();
    const missing = e.hull(['run', '--rm', '--network', 'none', `${e.host}/nope:latest`, 'true']);
    assert.equal(missing.status, 125);
    // As docker: progress lines, then one error line naming the image.
    const errors = missing.stderr
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('hull '));
    assert.equal(errors.length, 1, missing.stderr);
    assert.match(errors[0] as string, /nope:latest/);
    e.ok(['create', '--network', 'none', '--name', 'taken', e.image, 'true']);
    const dup = e.hull(['run', '--network', 'none', '--name', 'taken', e.image, 'true']);
    assert.equal(dup.status, 125);
    assert.match(dup.stderr, /already in use/);
    const rt = e.hull(['run', '--network', 'none', '--runtime', 'no-such-runtime', e.image, 'true']);
    assert.equal(rt.status, 125);
    assert.match(rt.stderr, /no-such-runtime/);
    const vol = e.hull(['run', '--network', 'none', '-v', 'relative/path:/x', e.image, 'true']);
    assert.equal(vol.status, 125);
    const bind = e.hull(['run', '--rm', '--network', 'none', '-v', '/nonexistent-hull-dir:/x', e.image, 'true']);
    assert.notEqual(bind.status, 0);
    e.ok(['rm', 'taken']);
    assert.equal(count(), n - 0);
    assert.deepEqual(engineMounts(e.root), []);
  });

  it('a command that is not found exits 127, one that cannot be executed 126', () => {
    assert.equal(e.hull(['run', '--rm', '--network', 'none', e.image, '/no/such/command']).status, 127);
    assert.equal(e.hull(['run', '--rm', '--network', 'none', e.image, '/etc']).status, 126);
  });

  it('named volumes keep data across containers; bind mounts are writable unless :ro', () => {
    e.ok(['run', '--rm', '--network', 'none', '-v', 'keep:/data', e.image, 'sh', '-c', 'echo kept > /data/f']);
    assert.equal(
      e.ok(['run', '--rm', '--network', 'none', '-v', 'keep:/data', e.image, 'cat', '/data/f']).stdout,
      'kept\n',
    );
    assert.match(e.ok(['volume', 'ls']).stdout, /keep/);
    e.ok(['volume', 'create', 'unused']);
    // A bind mount shows the host directory and writes through to it; with :ro it refuses writes.
    const host = mkdtempSync(join(tmpdir(), 'hull-bind-'));
    writeFileSync(join(host, 'from-host'), 'host\n');
    const rw = e.ok([
      'run',
      '--rm',
      '--network',
      'none',
      '-v',
      `${host}:/rw`,
      e.image,
      'sh',
      '-c',
      'cat /rw/from-host; echo ctr > /rw/from-ctr',
    ]);
    assert.equal(rw.stdout, 'host\n');
    assert.equal(readFileSync(join(host, 'from-ctr'), 'utf8'), 'ctr\n');
    const ro = e.hull([
      'run',
      '--rm',
      '--network',
      'none',
      '-v',
      `${host}:/ro:ro`,
      e.image,
      'sh',
      '-c',
      'cat /ro/from-host && touch /ro/x',
    ]);
    assert.equal(ro.stdout, 'host\n', 'the read-only bind mount is there');
    assert.notEqual(ro.status, 0, ro.stderr);
    assert.ok(!existsSync(join(host, 'x')));
    rmSync(host, { recursive: true, force: true });
    e.ok(['volume', 'rm', 'keep', 'unused']);
  });
});
