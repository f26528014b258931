/**
 * The security classes of the runtime issue, one test each, observed from inside the container
 * (CVE-2019-5736, the runtime's /proc/PID/exe, is in hooks.test.ts):
 *  - CVE-2024-21626: only stdio and --preserve-fds reach the container; a host fd of the
 *    runtime's can never become the process's cwd (create or exec).
 *  - CVE-2021-30465 class: a mount destination that is a symlink in the rootfs resolves inside
 *    the rootfs; nothing is created or mounted outside it.
 *  - CVE-2025-31133 class: masking binds /dev/null, so a /dev/null that is not the null device
 *    (a planted symlink) must be refused, never bound over the masked path.
 *  - CVE-2025-52565 class: /dev/console is resolved inside the rootfs without following links.
 * runc 1.1.5 (Debian 12) predates the last two fixes; those assertions are skipped for it.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { RuntimeConfig } from '../../src/oci/runtime/types.js';
import {
  bundle,
  createDetached,
  isRunc,
  runContainer,
  runtime,
  runtimeBin,
  skipUnlessRoot,
  uniq,
  waitFor,
} from './helpers.js';

/** The fds of the container's shell ($$), listed by a child so the listing's own fd is not among them. */
// `; :` keeps sh from exec'ing ls in its place (busybox runs the last command of -c without a fork).
const LIST_FDS = 'ls /proc/$$/fd; :';

describe('CVE-2024-21626: no host fd reaches the container', { skip: skipUnlessRoot }, () => {
  it('the process has only stdio open', () => {
    const rt = runtime();
    const r = runContainer(rt, uniq('fds'), bundle(rt, ['sh', '-c', LIST_FDS]));
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['0', '1', '2']);
  });

  it('--preserve-fds N passes fds 3..3+N-1 and nothing else', () => {
    const rt = runtime();
    const id = uniq('pfd');
    const b = bundle(rt, ['sh', '-c', `${LIST_FDS}; echo via-3 >&3; echo via-4 >&4`]);
    const f3 = join(rt.dir, 'fd3');
    const f4 = join(rt.dir, 'fd4');
    const fd3 = openSync(f3, 'w');
    const fd4 = openSync(f4, 'w');
    const fd5 = openSync(join(rt.dir, 'fd5'), 'w');
    try {
      const res = spawnSync(runtimeBin(), ['--root', rt.root, 'run', '--preserve-fds', '2', '--bundle', b, id], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe', fd3, fd4, fd5],
        timeout: 30_000,
      });
      assert.equal(res.status, 0, res.stderr);
      assert.deepEqual(res.stdout.trim().split('\n'), ['0', '1', '2', '3', '4']);
    } finally {
      for (const fd of [fd3, fd4, fd5]) closeSync(fd);
    }
    assert.equal(readFileSync(f3, 'utf8'), 'via-3\n');
    assert.equal(readFileSync(f4, 'utf8'), 'via-4\n');
  });

  it('a cwd of /proc/self/fd/N never lands outside the rootfs (create)', () => {
    const rt = runtime();
    // Whatever fds the runtime holds at chdir time (its state directory, the exec fifo, the
    // sync pipes), none may become the cwd: either create fails, or the cwd is in the rootfs.
    for (let n = 3; n <= 12; n++) {
      const b = bundle(rt, ['sh', '-c', 'pwd; ls -a .'], (c) => {
        c.process!.cwd = `/proc/self/fd/${n}`;
      });
      const r = runContainer(rt, uniq(`cwd${n}`), b);
      if (r.status !== 0) continue;
      assert.doesNotMatch(r.stdout, /unreachable|state\.json|exec\.fifo|config\.json/, `fd ${n}: ${r.stdout}`);
    }
  });

  it('nor for exec --cwd', async () => {
    const rt = runtime();
    const id = uniq('xcwd');
    assert.equal(createDetached(rt, id, bundle(rt, ['sleep', '100'])).status, 0);
    assert.equal(rt.run(['start', id]).status, 0);
    for (let n = 3; n <= 12; n++) {
      const r = rt.run(['exec', '--cwd', `/proc/self/fd/${n}`, id, 'sh', '-c', 'pwd; ls -a .']);
      if (r.status !== 0) continue;
      assert.doesNotMatch(r.stdout, /unreachable|state\.json|exec\.fifo|cgroup\.procs/, `fd ${n}: ${r.stdout}`);
    }
    assert.equal(rt.run(['delete', '--force', id]).status, 0);
  });
});

describe('mount destinations resolve inside the rootfs', { skip: skipUnlessRoot }, () => {
  it('a symlinked destination (absolute or ../ escaping) is followed inside the rootfs only', () => {
    const rt = runtime();
    // A host directory the rootfs's links point at: nothing may appear in it.
    const outside = join(rt.dir, 'outside');
    mkdirSync(outside);
    const b = bundle(
      rt,
      ['sh', '-c', 'echo in > /abs/sub/f; echo in > /rel/sub/f; grep -E " /[^ ]*/sub " /proc/mounts'],
      (c) => {
        c.root!.readonly = false;
        c.mounts!.push({ destination: '/abs/sub', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] });
        c.mounts!.push({ destination: '/rel/sub', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] });
      },
    );
    const rootfs = join(rt.dir, 'rootfs');
    symlinkSync(outside, join(rootfs, 'abs'));
    symlinkSync(`../../../../../../../../..${outside}`, join(rootfs, 'rel'));
    const r = runContainer(rt, uniq('sym'), b);
    assert.equal(r.status, 0, r.stderr);
    // Both links resolve, inside the container, to <rootfs><outside>: the mounts are there.
    const points = r.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(' ')[1]);
    assert.deepEqual(points, [`${outside}/sub`, `${outside}/sub`]);
    assert.ok(!existsSync(join(outside, 'sub')), 'nothing was created outside the rootfs');
    assert.ok(existsSync(join(rootfs, outside, 'sub')), 'the mount point was made inside the rootfs');
  });
});

/** A createContainer hook (container namespaces, rootfs mounted, before pivot_root) that plants a link. */
function plant(link: string, target: string) {
  return (c: RuntimeConfig) => {
    const rootfs = c.root!.path;
    c.hooks = {
      createContainer: [
        { path: '/bin/sh', args: ['sh', '-c', `rm -f ${rootfs}${link}; ln -s ${target} ${rootfs}${link}`] },
      ],
    };
  };
}

describe('/dev/null and /dev/console are never followed out', { skip: skipUnlessRoot }, () => {
  it('masking with a /dev/null that is a symlink is refused', {
    skip: isRunc ? 'runc 1.1.5 predates the CVE-2025-31133 fix and binds the link target' : false,
  }, () => {
    const rt = runtime();
    // /proc/keys is in the default maskedPaths and is a file (masked with /dev/null).
    const b = bundle(
      rt,
      ['sh', '-c', 'cat /proc/keys | head -c 64'],
      plant('/dev/null', '/proc/sys/kernel/core_pattern'),
    );
    const r = runContainer(rt, uniq('null'), b);
    assert.notEqual(r.status, 0, r.stdout);
    assert.match(r.stderr, /\/dev\/null/);
    assert.deepEqual(existsSync(rt.root) ? readdirSync(rt.root) : [], []);
  });

  it('a /dev/console that is a symlink is refused', {
    skip: isRunc ? 'runc 1.1.5 predates the CVE-2025-52565 fix' : false,
  }, async () => {
    const rt = runtime();
    const id = uniq('console');
    const sock = join(rt.dir, 'console.sock');
    // A listener that accepts and holds the connection; the pty is never used.
    const py = spawnSync('python3', ['-c', 'print(1)']);
    assert.equal(py.status, 0, 'python3 is needed for the console socket');
    const listener = spawn('python3', [
      '-c',
      `import socket,sys,time\ns=socket.socket(socket.AF_UNIX);s.bind(sys.argv[1]);s.listen(1);print('ready',flush=True)\nc,_=s.accept();time.sleep(30)`,
      sock,
    ]);
    let out = '';
    listener.stdout.on('data', (d) => {
      out += d;
    });
    await waitFor(() => out.includes('ready'));
    try {
      const b = bundle(rt, ['true'], (c) => {
        c.process!.terminal = true;
        plant('/dev/console', '/proc/sys/kernel/core_pattern')(c);
      });
      const r = createDetached(rt, id, b, ['--console-socket', sock]);
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /\/dev\/console/);
      assert.notEqual(rt.run(['state', id]).status, 0);
    } finally {
      listener.kill();
    }
  });

  it('a regular /dev/null keeps masking working', () => {
    const rt = runtime();
    const r = runContainer(rt, uniq('mask'), bundle(rt, ['sh', '-c', 'wc -c < /proc/keys; stat -c %t:%T /dev/null']));
    assert.equal(r.stdout.replace(/ +/g, ''), '0\n1:3\n', r.stderr);
  });
});
