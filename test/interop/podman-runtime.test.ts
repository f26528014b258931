/**
 * podman with hull-runtime as its OCI runtime (`--runtime bin/hull-runtime`): podman and conmon
 * drive create/start/state/kill/delete, exec with --process/--detach/--pid-file, terminals over
 * --console-socket, pause/resume, and read errors from `--log FILE --log-format json`. A private
 * store (vfs, cgroupfs, file events) keeps the host's podman untouched. The image is a busybox
 * rootfs imported by `hull import` into an oci: layout.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { busyboxRootfs, repoRoot, tempDir } from '../helpers/fixtures.js';
import { ok, run } from '../helpers/run.js';

const hasPodman = spawnSync('podman', ['--version']).status === 0;
const skip = process.getuid?.() !== 0 ? 'needs root' : !hasPodman ? 'podman is not installed' : false;
// podman 4.3 on this host needs explicit ulimits (its defaults exceed what the host allows).
const ULIMITS = ['--ulimit', 'nofile=20000:20000', '--ulimit', 'nproc=32768:32768'];

describe('podman with hull-runtime', { skip }, () => {
  // Registered before tempDir's cleanup (after hooks run in order): containers go before the store.
  after(() => {
    podman(['rm', '-af', '-t', '0']);
  });
  const dir = skip ? '' : tempDir('hull-podman-');
  const base = () => [
    '--root',
    join(dir, 'root'),
    '--runroot',
    join(dir, 'runroot'),
    '--storage-driver',
    'vfs',
    '--runtime',
    // RUNTIME=runc runs the same expectations against runc.
    process.env.RUNTIME === 'runc' ? 'runc' : join(repoRoot, 'bin', 'hull-runtime'),
    '--cgroup-manager',
    'cgroupfs',
    '--events-backend',
    'file',
  ];
  const podman = (args: string[]) => run('podman', [...base(), ...args]);
  /** podman under script(1), so it has a terminal (for -t). */
  const podmanTty = (args: string[]) => {
    const cmd = ['podman', ...base(), ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    return run('script', ['-qec', cmd, '/dev/null']);
  };
  let image = '';

  before(() => {
    // podman names the image after the layout's path, and image names must be lowercase
    // (mkdtemp's suffix is not): a lowercase directory of our own.
    const layout = join(tmpdir(), `hull-podman-oci-${process.pid}`);
    after(() => rmSync(layout, { recursive: true, force: true }));
    ok('hull', ['import', busyboxRootfs(), `oci:${layout}:bb`, '--cmd', 'sh']);
    const pulled = podman(['pull', '-q', `oci:${layout}:bb`]);
    assert.equal(pulled.status, 0, pulled.stderr);
    image = pulled.stdout.trim().split('\n').pop() as string;
    assert.match(image, /^[0-9a-f]{64}$/);
  });

  it('run --rm prints the output and propagates the exit code', () => {
    const r = podman(['run', '--rm', ...ULIMITS, '--network', 'none', image, 'echo', 'hi']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'hi\n');
    const e = podman(['run', '--rm', ...ULIMITS, '--network', 'none', image, 'sh', '-c', 'exit 3']);
    assert.equal(e.status, 3, e.stderr);
  });

  it('a missing command is reported from the runtime (exit 127, the message in podman)', () => {
    const r = podman(['run', '--rm', ...ULIMITS, '--network', 'none', image, 'no-such-cmd']);
    assert.equal(r.status, 127);
    assert.match(r.stderr, /no-such-cmd.*not found/);
  });

  it('run -d, exec, exec -t, top, pause/unpause, stop, kill, rm', () => {
    const d = podman(['run', '-d', ...ULIMITS, '--network', 'none', image, 'sleep', '100']);
    assert.equal(d.status, 0, d.stderr);
    const ctr = d.stdout.trim();
    try {
      const x = podman(['exec', ctr, 'echo', 'x']);
      assert.equal(x.status, 0, x.stderr);
      assert.equal(x.stdout, 'x\n');
      assert.equal(podman(['exec', ctr, 'sh', '-c', 'exit 4']).status, 4);
      const missing = podman(['exec', ctr, 'no-such']);
      assert.equal(missing.status, 127);
      // exec -t: conmon receives the pty master over the console socket.
      const t = podmanTty(['exec', '-t', ctr, 'tty']);
      assert.equal(t.status, 0, t.stdout + t.stderr);
      assert.match(t.stdout, /\/dev\/pts\/\d+/);

      const ps = podman(['ps', '--format', '{{.ID}} {{.Status}}']);
      assert.match(ps.stdout, new RegExp(`^${ctr.slice(0, 12)} Up`, 'm'));
      const top = podman(['top', ctr]);
      assert.equal(top.status, 0, top.stderr);
      assert.match(top.stdout, /sleep 100/);

      assert.equal(podman(['pause', ctr]).status, 0);
      assert.equal(podman(['inspect', '--format', '{{.State.Status}}', ctr]).stdout.trim(), 'paused');
      assert.equal(podman(['unpause', ctr]).status, 0);
      assert.equal(podman(['inspect', '--format', '{{.State.Status}}', ctr]).stdout.trim(), 'running');

      const stop = podman(['stop', '-t', '1', ctr]);
      assert.equal(stop.status, 0, stop.stderr);
      assert.equal(podman(['inspect', '--format', '{{.State.Status}}', ctr]).stdout.trim(), 'exited');
      assert.equal(podman(['start', ctr]).status, 0);
      const k = podman(['kill', ctr]);
      assert.equal(k.status, 0, k.stderr);
      assert.equal(podman(['wait', ctr]).stdout.trim(), '137');
    } finally {
      const rm = podman(['rm', '-f', ctr]);
      assert.equal(rm.status, 0, rm.stderr);
    }
    assert.equal(podman(['ps', '-aq']).stdout.trim(), '');
  });

  it('run -t gives the container a terminal', () => {
    const r = podmanTty([
      'run',
      '--rm',
      '-t',
      ...ULIMITS,
      '--network',
      'none',
      image,
      'sh',
      '-c',
      'tty; [ -t 1 ] && echo is-tty',
    ]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /\/dev\/pts\/\d+/);
    assert.match(r.stdout, /is-tty/);
  });

  it('default networking, when podman has it configured', (t) => {
    const r = podman(['run', '--rm', ...ULIMITS, image, 'sh', '-c', 'cat /proc/net/dev']);
    if (r.status !== 0 && /netavark|cni|network/i.test(r.stderr)) {
      t.skip(`podman networking is not configured here: ${r.stderr.trim().split('\n').pop()}`);
      return;
    }
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /\blo:/);
  });
});
