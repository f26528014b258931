/**
 * `exec` (runc's command line): a second process joins the container's namespaces and cgroups,
 * gets the container's process settings (caps, no_new_privs, seccomp) unless the flags override
 * them, and its exit status becomes exec's. Runs against runc too (RUNTIME=runc).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bundle, createDetached, type Rt, runtime, runtimeBin, skipUnlessRoot, stateOf, waitFor } from './helpers.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('runtime exec', { skip: skipUnlessRoot }, () => {
  // At suite level: tempDir's cleanup then runs after the whole suite, not after `before`.
  const id = `ex-${process.pid}`;
  // Registered before runtime()'s own cleanup (after hooks run in order): delete, then rm.
  after(() => {
    rt.run(['delete', '--force', id]);
  });
  const rt: Rt = runtime();
  let pid = 0;
  before(() => {
    const b = bundle(rt, ['sleep', '1000'], (c) => {
      // A filter to show exec inherits it: mkdir is refused with EPERM.
      c.linux!.seccomp = {
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }],
      };
    });
    const c = createDetached(rt, id, b);
    assert.equal(c.status, 0, c.stderr);
    assert.equal(rt.run(['start', id]).status, 0);
    pid = stateOf(rt, id).pid;
  });
  it("gives the process the caller's umask (unless process.user.umask says), as runc does", () => {
    // hull-init itself runs with umask 0: the exec'd shell must see the caller's 077, not that.
    const r = spawnSync(
      'sh',
      ['-c', 'umask 077; exec "$@"', 'sh', runtimeBin(), '--root', rt.root, 'exec', id, 'sh', '-c', 'umask'],
      {
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), '0077');
  });

  it('runs in the container namespaces and reports the exit code', () => {
    const r = rt.run([
      'exec',
      id,
      'sh',
      '-c',
      'hostname; for n in mnt net uts ipc; do readlink /proc/self/ns/$n; done; echo $$; exit 7',
    ]);
    assert.equal(r.status, 7, r.stderr);
    const [host, mnt, net, uts, ipc, mypid] = r.stdout.trim().split('\n');
    assert.equal(host, 'hull');
    assert.equal(mnt, readlinkSync(`/proc/${pid}/ns/mnt`));
    assert.equal(net, readlinkSync(`/proc/${pid}/ns/net`));
    assert.equal(uts, readlinkSync(`/proc/${pid}/ns/uts`));
    assert.equal(ipc, readlinkSync(`/proc/${pid}/ns/ipc`));
    // The container's pid namespace: its init is 1, so the exec'd shell is something else.
    assert.notEqual(Number(mypid), 1);
    assert.ok(Number(mypid) < 100, `pid ${mypid} is in the container's pid namespace`);
  });

  it('joins the init cgroups and gets the container capabilities, no_new_privs and seccomp', () => {
    const r = rt.run([
      'exec',
      id,
      'sh',
      '-c',
      'cat /proc/self/cgroup; echo ---; cat /proc/1/cgroup; echo ---; grep -E "CapBnd|CapEff|NoNewPrivs" /proc/self/status; echo ---; grep -E "CapBnd|CapEff|NoNewPrivs" /proc/1/status; mkdir /dev/shm/x && echo made',
    ]);
    const [mine, init, myCaps, initCaps] = r.stdout.split('---\n');
    assert.equal(mine, init);
    assert.equal(myCaps, initCaps);
    assert.match(myCaps ?? '', /NoNewPrivs:\s+1/);
    assert.notEqual(r.status, 0, 'mkdir is refused by the container seccomp filter');
    assert.doesNotMatch(r.stdout, /made/);
  });

  it('--env, --cwd, --user, --cap and --no-new-privs override the container process', () => {
    const r = rt.run([
      'exec',
      '--env',
      'FOO=bar',
      '--env',
      'BAZ=qux',
      '--cwd',
      '/dev',
      '--user',
      '1000:1001',
      id,
      'sh',
      '-c',
      'echo $FOO $BAZ; pwd; id -u; id -g',
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'bar qux\n/dev\n1000\n1001\n');
    const c = rt.run(['exec', '--cap', 'CAP_SYS_ADMIN', id, 'grep', 'CapEff', '/proc/self/status']);
    assert.equal(c.status, 0, c.stderr);
    const eff = BigInt(`0x${c.stdout.split(/\s+/)[1]}`);
    assert.ok(eff & (1n << 21n), 'CAP_SYS_ADMIN is effective');
  });

  it('--process runs a process.json', () => {
    const file = join(rt.dir, 'process.json');
    writeFileSync(
      file,
      JSON.stringify({
        args: ['sh', '-c', 'echo from-json $X; pwd; id -u'],
        env: ['PATH=/bin:/usr/bin', 'X=42'],
        cwd: '/proc',
        user: { uid: 7, gid: 7 },
        terminal: false,
      }),
    );
    const r = rt.run(['exec', '--process', file, id]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'from-json 42\n/proc\n7\n');
  });

  it('--detach returns at once; --pid-file names a process in the container cgroup', async () => {
    const pidFile = join(rt.dir, 'exec.pid');
    const out = join(rt.dir, 'exec-d.out');
    const { openSync, closeSync } = await import('node:fs');
    const fd = openSync(out, 'w');
    const t0 = Date.now();
    const r = rt.run(['exec', '--detach', '--pid-file', pidFile, id, 'sleep', '30'], { stdout: fd, stderr: fd });
    closeSync(fd);
    assert.equal(r.status, 0, readFileSync(out, 'utf8'));
    assert.ok(Date.now() - t0 < 10_000);
    const p = Number(readFileSync(pidFile, 'utf8'));
    assert.ok(p > 0 && alive(p));
    assert.equal(readFileSync(`/proc/${p}/cgroup`, 'utf8'), readFileSync(`/proc/${pid}/cgroup`, 'utf8'));
    assert.equal(readlinkSync(`/proc/${p}/ns/pid`), readlinkSync(`/proc/${pid}/ns/pid`));
    process.kill(p, 'SIGKILL');
    await waitFor(() => !alive(p) || readFileSync(`/proc/${p}/stat`, 'utf8').includes(') Z'));
  });

  it('a missing binary is an error, and nothing runs', () => {
    const r = rt.run(['exec', id, 'no-such-binary']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /no-such-binary/);
  });

  it('refuses a stopped container', async () => {
    const b = bundle(rt, ['true']);
    assert.equal(createDetached(rt, 'ex-stopped', b).status, 0);
    assert.equal(rt.run(['start', 'ex-stopped']).status, 0);
    await waitFor(() => stateOf(rt, 'ex-stopped').status === 'stopped');
    assert.notEqual(rt.run(['exec', 'ex-stopped', 'true']).status, 0);
    assert.equal(rt.run(['delete', 'ex-stopped']).status, 0);
  });
});
