/**
 * What the process inside sees (config.md, config-linux.md): identity, limits, namespaces,
 * filesystem, devices, capabilities, seccomp, cgroups. Each test is one `run`.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { RuntimeConfig } from '../../src/oci/runtime/types.js';
import { bundle, isRunc, runContainer, runtime, skipUnlessRoot } from './helpers.js';

function sh(script: string, edit?: (c: RuntimeConfig) => void) {
  const rt = runtime();
  const r = runContainer(rt, 'c', bundle(rt, ['sh', '-c', script], edit));
  return { ...r, rt };
}

describe('inside the container', { skip: skipUnlessRoot }, () => {
  it('hostname and domainname (config.md#hostname)', () => {
    const r = sh('hostname; cat /proc/sys/kernel/domainname', (c) => {
      c.hostname = 'box';
      c.domainname = 'example.org';
    });
    // runc 1.1 predates config.md's domainname (added to runc in 1.2) and leaves it unset.
    assert.equal(r.stdout, isRunc ? 'box\n(none)\n' : 'box\nexample.org\n', r.stderr);
  });

  it('env, cwd, user and additionalGids (config.md#process)', () => {
    const r = sh('echo $FOO; pwd; id -u; id -g; id -G', (c) => {
      const p = c.process!;
      p.env = [...(p.env ?? []), 'FOO=bar baz'];
      p.cwd = '/tmp';
      p.user = { uid: 1000, gid: 1001, additionalGids: [5, 1002] };
    });
    assert.equal(r.stdout, 'bar baz\n/tmp\n1000\n1001\n1001 5 1002\n', r.stderr);
  });

  it('rlimits (config.md#posix-process)', () => {
    const r = sh('ulimit -n; ulimit -Hn', (c) => {
      c.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 123, hard: 456 }];
    });
    assert.equal(r.stdout, '123\n456\n', r.stderr);
  });

  it('the root is read-only when root.readonly', () => {
    const r = sh('touch /x 2>/dev/null && echo wrote || echo ro');
    assert.equal(r.stdout, 'ro\n');
  });

  it('tmpfs and read-only bind mounts (config.md#mounts)', () => {
    const rt = runtime();
    const host = join(rt.dir, 'shared');
    mkdirSync(host);
    writeFileSync(join(host, 'f'), 'from-host\n');
    const b = bundle(
      rt,
      [
        'sh',
        '-c',
        'echo t > /scratch/t && cat /scratch/t; cat /data/f; touch /data/g 2>/dev/null || echo ro; grep " /scratch " /proc/mounts | cut -d" " -f3',
      ],
      (c) => {
        c.mounts!.push({ destination: '/scratch', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'size=1m'] });
        c.mounts!.push({ destination: '/data', type: 'bind', source: host, options: ['rbind', 'ro'] });
      },
    );
    const r = runContainer(rt, 'm', b);
    assert.equal(r.stdout, 't\nfrom-host\nro\ntmpfs\n', r.stderr);
  });

  it('masked and read-only paths (config-linux.md#masked-paths, #readonly-paths)', () => {
    const r = sh(
      // /proc/keys (a file: /dev/null bound on it) rather than /proc/kcore, which this kernel lacks.
      'cat /proc/keys | wc -c; ls /sys/firmware | wc -l; echo 1 > /proc/sys/kernel/shmmax 2>/dev/null || echo ro',
    );
    assert.equal(r.stdout.replace(/ +/g, ''), '0\n0\nro\n', r.stderr);
  });

  it('pid namespace: the process is pid 1; network namespace: only lo', () => {
    const r = sh('echo $$; ls /sys/class/net');
    assert.equal(r.stdout, '1\nlo\n', r.stderr);
  });

  it('capabilities: only the configured bounding/effective set (CapEff), no_new_privs', () => {
    const r = sh('grep -E "^(CapEff|CapBnd|NoNewPrivs)" /proc/self/status');
    // CAP_KILL (5), CAP_NET_BIND_SERVICE (10), CAP_AUDIT_WRITE (29).
    assert.match(r.stdout, /CapEff:\t0000000020000420/);
    assert.match(r.stdout, /CapBnd:\t0000000020000420/);
    assert.match(r.stdout, /NoNewPrivs:\t1/);
  });

  it('seccomp: a denied syscall fails with EPERM (config-linux.md#seccomp)', () => {
    const r = sh('mkdir /tmp/x && echo made; echo done', (c) => {
      c.root!.readonly = false;
      c.linux!.seccomp = {
        defaultAction: 'SCMP_ACT_ALLOW',
        architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
        syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }],
      };
    });
    assert.equal(r.stdout, 'done\n');
    assert.match(r.stderr, /Operation not permitted/);
  });

  it('seccomp argument conditions: only the matching call is denied', () => {
    // kill(pid, sig): deny only sig == SIGUSR1 (10), with EACCES; kill -0 still works.
    const r = sh('kill -0 $$ && echo zero; kill -USR1 $$ || echo denied', (c) => {
      c.linux!.seccomp = {
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [
          {
            names: ['kill'],
            action: 'SCMP_ACT_ERRNO',
            errnoRet: 13,
            args: [{ index: 1, value: 10, op: 'SCMP_CMP_EQ' }],
          },
        ],
      };
    });
    assert.equal(r.stdout, 'zero\ndenied\n', r.stderr);
    assert.match(r.stderr, /Permission denied/);
  });

  it('devices: /dev/null, /dev/zero and a configured device work', () => {
    const r = sh('echo x > /dev/null && echo null-ok; head -c 3 /dev/zero | wc -c; ls -l /dev/mydev | cut -c1', (c) => {
      c.linux!.devices = [{ path: '/dev/mydev', type: 'c', major: 1, minor: 3, fileMode: 0o666 }];
      c.linux!.resources!.devices!.push({ allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' });
    });
    assert.equal(r.stdout.replace(/ +/g, ''), 'null-ok\n3\nc\n', r.stderr);
  });

  it('cgroup memory and pids limits are applied and visible', () => {
    const r = sh('cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max', (c) => {
      c.linux!.resources = { ...c.linux!.resources, memory: { limit: 64 * 1024 * 1024 }, pids: { limit: 50 } };
    });
    assert.equal(r.stdout, `${64 * 1024 * 1024}\n50\n`, r.stderr);
  });

  it('a missing executable fails create, naming it', () => {
    const rt = runtime();
    const r = runContainer(rt, 'nx', bundle(rt, ['/no/such/binary']));
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /no\/such\/binary/);
  });
});
