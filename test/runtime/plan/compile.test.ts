/**
 * The container's construction asserted on plans, without root: what `hull-runtime --debug
 * create` logs is exactly what hull-init would run.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultSpec } from '../../../src/image/bundle/default-spec.js';
import type { RuntimeConfig } from '../../../src/oci/runtime/types.js';
import { compilePlan } from '../../../src/runtime/plan/compile.js';
import { decodePlan, encodePlan } from '../../../src/runtime/plan/encode.js';
import { MS, parseMountOptions } from '../../../src/runtime/plan/mount-options.js';
import type { PlanOp } from '../../../src/runtime/plan/ops.js';

function config(edit?: (c: RuntimeConfig) => void): RuntimeConfig {
  const c = defaultSpec({ terminal: false }) as unknown as RuntimeConfig;
  c.root = { path: 'rootfs', readonly: true };
  c.process!.args = ['sh', '-c', 'true'];
  edit?.(c);
  return c;
}

function plan(edit?: (c: RuntimeConfig) => void, extra: Partial<Parameters<typeof compilePlan>[0]> = {}): PlanOp[] {
  return compilePlan({
    config: config(edit),
    bundle: '/b',
    fifo: '/run/x/exec.fifo',
    cgroupProcs: ['/sys/fs/cgroup/pids/hull/x/cgroup.procs'],
    cgroupViews: [{ dir: '/sys/fs/cgroup/cpu,cpuacct/hull/x', name: 'cpu,cpuacct', links: ['cpu', 'cpuacct'] }],
    cgroupV2: false,
    lastCap: 40,
    ...extra,
  }).ops;
}

const names = (ops: PlanOp[]) => ops.map((o) => o.op);
const find = <K extends PlanOp['op']>(ops: PlanOp[], op: K) =>
  ops.filter((o): o is Extract<PlanOp, { op: K }> => o.op === op);

describe('plan', () => {
  it('orders the construction: fork, parent joins, mounts, pivot, identity, created, start, exec', () => {
    const ops = names(plan());
    const at = (n: string) => ops.indexOf(n as PlanOp['op']);
    for (const [a, b] of [
      ['clone', 'cgroup_join'],
      ['cgroup_join', 'setsid'],
      ['root_propagation', 'bind_rootfs'],
      ['bind_rootfs', 'mount'],
      ['mount', 'mknod'],
      ['open_fifo', 'pivot_root'],
      ['pivot_root', 'readonly_root'],
      ['readonly_root', 'readonly'],
      ['readonly', 'mask'],
      ['capbset', 'setuser'],
      ['setuser', 'capset'],
      ['chdir', 'close_fds'],
      ['close_fds', 'created'],
      ['created', 'wait_start'],
      ['wait_start', 'exec'],
    ])
      assert.ok(at(a!) >= 0 && at(a!) < at(b!), `${a} before ${b}: ${ops.join(' ')}`);
    assert.equal(ops.at(-1), 'exec');
  });

  it('new namespaces are clone flags; paths are setns, user first', () => {
    const ops = plan((c) => {
      c.linux!.namespaces = [
        { type: 'network', path: '/proc/1/ns/net' },
        { type: 'user', path: '/proc/1/ns/user' },
        { type: 'pid' },
        { type: 'mount' },
        { type: 'cgroup' },
      ];
      delete c.hostname;
    });
    assert.deepEqual(
      find(ops, 'setns').map((o) => o.type),
      ['user', 'network'],
    );
    const clone = find(ops, 'clone')[0]!;
    assert.equal(clone.flags, 0x20000000 | 0x00020000);
    // The cgroup namespace is entered after the cgroup join, by the child.
    assert.equal(find(ops, 'unshare')[0]?.flags, 0x02000000);
  });

  it('a new user namespace gets its maps from the parent and bind-mounted devices', () => {
    const ops = plan((c) => {
      c.linux!.namespaces!.push({ type: 'user' });
      c.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      c.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    });
    assert.equal(find(ops, 'uid_map')[0]?.map, '0 100000 65536\n');
    assert.ok(names(ops).indexOf('uid_map') < names(ops).indexOf('userns_root'));
    assert.ok(find(ops, 'mknod').every((m) => m.bind));
  });

  it('mount targets stay relative to the rootfs; bind options become remounts', () => {
    const ops = plan((c) => {
      c.mounts!.push({
        destination: '/data/../srv//x/',
        type: 'bind',
        source: '/tmp',
        options: ['rbind', 'ro', 'nosuid'],
      });
    });
    const m = find(ops, 'mount').find((o) => o.target === 'srv/x')!;
    assert.equal(m.source, '/tmp');
    assert.equal(m.flags, MS.BIND | MS.REC);
    assert.equal(m.remountFlags, MS.RDONLY | MS.NOSUID);
    assert.equal(m.kind, 'dir');
    assert.ok(find(ops, 'mount').every((o) => !o.target.startsWith('/')));
  });

  it('mount options: flags, clearing flags, propagation, data', () => {
    assert.deepEqual(parseMountOptions(['nosuid', 'ro', 'rw', 'rslave', 'mode=755', 'size=1m']), {
      flags: MS.NOSUID,
      propagation: MS.SLAVE | MS.REC,
      data: 'mode=755,size=1m',
      bind: false,
    });
  });

  it('a cgroup mount becomes a tmpfs with the container cgroup dirs bound and linked, then ro', () => {
    const ops = plan();
    const i = find(ops, 'mount').findIndex((o) => o.target === 'sys/fs/cgroup');
    const cg = find(ops, 'mount').slice(i);
    assert.equal(cg[0]!.fstype, 'tmpfs');
    assert.equal(cg[1]!.source, '/sys/fs/cgroup/cpu,cpuacct/hull/x');
    assert.equal(cg[1]!.target, 'sys/fs/cgroup/cpu,cpuacct');
    assert.ok(find(ops, 'symlink').some((s) => s.path === 'sys/fs/cgroup/cpu' && s.target === 'cpu,cpuacct'));
    assert.ok(
      cg.some((o) => o.target === 'sys/fs/cgroup' && (o.flags & MS.REMOUNT) !== 0 && (o.flags & MS.RDONLY) !== 0),
    );
  });

  it('default devices, unless configured, and the /dev links', () => {
    const ops = plan((c) => {
      c.linux!.devices = [{ path: '/dev/null', type: 'c', major: 1, minor: 3, fileMode: 0o600, uid: 7, gid: 8 }];
    });
    const nulls = find(ops, 'mknod').filter((o) => o.path === 'dev/null');
    assert.equal(nulls.length, 1);
    assert.equal(nulls[0]!.mode, 0o600);
    assert.deepEqual(
      find(ops, 'mknod')
        .map((o) => o.path)
        .sort(),
      ['dev/full', 'dev/null', 'dev/random', 'dev/tty', 'dev/urandom', 'dev/zero'],
    );
    assert.ok(find(ops, 'symlink').some((s) => s.path === 'dev/ptmx' && s.target === 'pts/ptmx'));
  });

  it('capabilities: masks from names; ambient only where permitted and inheritable', () => {
    const warnings: string[] = [];
    const ops = compilePlan({
      config: config((c) => {
        c.process!.capabilities = {
          bounding: ['CAP_KILL', 'CAP_NOT_A_THING'],
          effective: ['CAP_KILL'],
          permitted: ['CAP_KILL', 'CAP_CHOWN'],
          inheritable: ['CAP_CHOWN'],
          ambient: ['CAP_KILL', 'CAP_CHOWN'],
        };
      }),
      bundle: '/b',
      fifo: '/f',
      cgroupProcs: [],
      cgroupViews: [],
      cgroupV2: true,
      lastCap: 40,
      warn: (m) => warnings.push(m),
    }).ops;
    assert.equal(find(ops, 'capbset')[0]!.keep, 1n << 5n);
    assert.deepEqual(find(ops, 'capset')[0], {
      op: 'capset',
      effective: 1n << 5n,
      permitted: (1n << 5n) | 1n,
      inheritable: 1n,
    });
    assert.equal(find(ops, 'ambient')[0]!.caps, 1n);
    assert.match(warnings.join(), /CAP_NOT_A_THING/);
  });

  it('seccomp: loaded last with no_new_privs, before the capability drop without', () => {
    const seccomp = (c: RuntimeConfig) => {
      c.linux!.seccomp = {
        defaultAction: 'SCMP_ACT_ERRNO',
        defaultErrnoRet: 38,
        architectures: ['SCMP_ARCH_X86_64'],
        syscalls: [
          { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
          {
            names: ['kill'],
            action: 'SCMP_ACT_ERRNO',
            args: [
              { index: 1, value: 9, op: 'SCMP_CMP_EQ' },
              { index: 1, value: 15, op: 'SCMP_CMP_EQ' },
            ],
          },
        ],
      };
    };
    const ops = plan(seccomp);
    assert.equal(find(ops, 'seccomp_init')[0]!.defaultAction, 0x00050000 | 38);
    assert.equal(find(ops, 'seccomp_arch')[0]!.arch, 'x86_64');
    // Two conditions on one argument: one rule each (libseccomp cannot AND them).
    assert.equal(find(ops, 'seccomp_rule').filter((r) => r.syscall === 'kill').length, 2);
    assert.equal(find(ops, 'seccomp_rule')[2]!.action, 0x00050001);
    const n = names(ops);
    assert.ok(n.indexOf('seccomp_load') > n.indexOf('wait_start'));
    const n2 = names(
      plan((c) => {
        seccomp(c);
        c.process!.noNewPrivileges = false;
      }),
    );
    assert.ok(n2.indexOf('seccomp_load') < n2.indexOf('capbset'));
  });

  it('rlimits, user, umask, env with HOME, PATH for the lookup', () => {
    const ops = plan((c) => {
      c.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 10, hard: 2 ** 64 }];
      c.process!.user = { uid: 5, gid: 6, additionalGids: [7, 7, 8], umask: 0o077 };
      c.process!.env = ['PATH=/x:/y'];
    });
    assert.deepEqual(find(ops, 'rlimit')[0], {
      op: 'rlimit',
      resource: 7,
      name: 'RLIMIT_NOFILE',
      soft: 10n,
      hard: 2n ** 64n - 1n,
    });
    assert.deepEqual(find(ops, 'setuser')[0], { op: 'setuser', uid: 5, gid: 6, groups: [7, 8] });
    assert.equal(find(ops, 'umask')[0]!.mask, 0o077);
    assert.deepEqual(find(ops, 'exec')[0]!.env, ['PATH=/x:/y', 'HOME=/']);
    assert.equal(find(ops, 'resolve_exec')[0]!.path, '/x:/y');
  });

  it('hostname without a new uts namespace is an error naming $.hostname', () => {
    assert.throws(
      () =>
        plan((c) => {
          c.linux!.namespaces = c.linux!.namespaces!.filter((n) => n.type !== 'uts');
        }),
      /\$\.hostname/,
    );
  });

  it('hooks: a sync point before pivot_root, startContainer after wait_start', () => {
    const ops = plan((c) => {
      c.hooks = { createRuntime: [{ path: '/bin/true' }], startContainer: [{ path: '/bin/true', timeout: 3 }] };
    });
    const n = names(ops);
    assert.ok(n.indexOf('sync_hooks') < n.indexOf('pivot_root'));
    const start = find(ops, 'hook');
    assert.equal(start[0]!.stage, 'startContainer');
    assert.ok(n.indexOf('hook') > n.indexOf('wait_start'));
    assert.equal(start[0]!.timeout, 3);
    assert.ok(!names(plan()).includes('sync_hooks'));
  });

  it('--preserve-fds moves the close_fds boundary; monitor is a parent op', () => {
    const ops = plan(undefined, { preserveFds: 2, monitor: true });
    assert.equal(find(ops, 'close_fds')[0]!.from, 5);
    assert.ok(names(ops).indexOf('monitor') < names(ops).indexOf('setsid'));
  });

  it('encodes and decodes: length-prefixed fields, decimal numbers', () => {
    const p = { ops: plan() };
    const buf = encodePlan(p);
    assert.equal(buf.subarray(0, 8).toString(), 'HULLPLN1');
    const back = decodePlan(buf);
    assert.equal(back.length, p.ops.length);
    const exec = back.at(-1)!;
    assert.equal(exec.op, 'exec');
    assert.deepEqual(exec.fields.slice(0, 4), ['3', 'sh', '-c', 'true']);
    assert.throws(() => encodePlan({ ops: [{ op: 'chdir', path: 'a\0b' }] }), /NUL/);
  });
});
