/**
 * Plans for the attributes hull-init applies one syscall each (src/runtime/plan/attrs.ts) and
 * the ops that run before the fork, asserted without root.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultSpec } from '../../../src/image/bundle/default-spec.js';
import type { RuntimeConfig } from '../../../src/oci/runtime/types.js';
import { cpuList } from '../../../src/runtime/plan/attrs.js';
import { compilePlan } from '../../../src/runtime/plan/compile.js';
import { compileExecPlan } from '../../../src/runtime/plan/exec.js';
import type { PlanOp } from '../../../src/runtime/plan/ops.js';

function plan(edit?: (c: RuntimeConfig) => void, extra: Partial<Parameters<typeof compilePlan>[0]> = {}): PlanOp[] {
  const c = defaultSpec({ terminal: false }) as unknown as RuntimeConfig;
  c.root = { path: 'rootfs' };
  c.process!.args = ['true'];
  edit?.(c);
  return compilePlan({
    config: c,
    bundle: '/b',
    fifo: '/run/x/exec.fifo',
    cgroupProcs: [],
    cgroupViews: [],
    cgroupV2: false,
    lastCap: 40,
    ...extra,
  }).ops;
}

const names = (ops: PlanOp[]) => ops.map((o) => o.op);
const before = (ops: PlanOp[], a: string, b: string) => {
  const n = names(ops) as string[];
  return n.indexOf(a) >= 0 && n.indexOf(a) < n.indexOf(b);
};

describe('plan: attributes and pre-fork ops', () => {
  it('the exec fifo is opened before the fork, by host root', () => {
    assert.ok(before(plan(), 'open_fifo', 'clone'));
  });

  it('a time namespace is unshared before the fork with its offsets; it is no clone flag', () => {
    const ops = plan((c) => {
      c.linux!.namespaces!.push({ type: 'time' });
      c.linux!.timeOffsets = { monotonic: { secs: 5 }, boottime: { secs: 7, nanosecs: 9 } };
    });
    const t = ops.find((o) => o.op === 'timens');
    assert.deepEqual(t, { op: 'timens', offsets: 'monotonic 5 0\nboottime 7 9\n' });
    assert.ok(before(ops, 'timens', 'clone'));
    const clone = ops.find((o) => o.op === 'clone') as Extract<PlanOp, { op: 'clone' }>;
    assert.equal(clone.flags & 0x80, 0);
    assert.throws(() => plan((c) => (c.linux!.timeOffsets = { monotonic: { secs: 1 } })), /\$\.linux\.timeOffsets/);
  });

  it('personality, ioPriority and scheduler come before the capability drop', () => {
    const ops = plan((c) => {
      c.linux!.personality = { domain: 'LINUX32' };
      c.process!.ioPriority = { class: 'IOPRIO_CLASS_IDLE', priority: 3 };
      c.process!.scheduler = { policy: 'SCHED_FIFO', priority: 10, flags: ['SCHED_FLAG_RESET_ON_FORK'] };
    });
    assert.deepEqual(
      ops.filter((o) => ['personality', 'ioprio', 'scheduler'].includes(o.op)),
      [
        { op: 'personality', persona: 8, domain: 'LINUX32' },
        { op: 'ioprio', value: (3 << 13) | 3 },
        { op: 'scheduler', policy: 1, flags: 1, nice: 0, priority: 10, runtime: 0n, deadline: 0n, period: 0n },
      ],
    );
    assert.ok(before(ops, 'scheduler', 'capbset'));
    assert.throws(
      () => plan((c) => (c.process!.scheduler = { policy: 'SCHED_OTHER', priority: 3 })),
      /\$\.process\.scheduler\.priority/,
    );
  });

  it('a session keyring named by the caller, after setsid; none without a name', () => {
    const ops = plan(undefined, { keyring: '_ses.x' });
    assert.deepEqual(
      ops.find((o) => o.op === 'session_keyring'),
      { op: 'session_keyring', name: '_ses.x' },
    );
    assert.ok(before(ops, 'setsid', 'session_keyring'));
    assert.ok(!names(plan()).includes('session_keyring'));
  });

  it('rootfsPropagation applies to / again after pivot_root, not recursively', () => {
    const ops = plan((c) => (c.linux!.rootfsPropagation = 'shared'));
    const props = ops.filter((o) => o.op === 'root_propagation') as Extract<PlanOp, { op: 'root_propagation' }>[];
    assert.equal(props.length, 2);
    assert.equal(props[1]?.flags, 1 << 20);
    const n = names(ops);
    assert.ok(n.lastIndexOf('root_propagation') > n.indexOf('pivot_root'));
  });

  it('an idmapped bind mount is made before the fork and moved in by index', () => {
    const ops = plan((c) => {
      c.mounts!.push({
        destination: '/data',
        type: 'bind',
        source: '/tmp',
        options: ['rbind', 'ro', 'nosuid'],
        uidMappings: [{ containerID: 0, hostID: 1000, size: 10 }],
        gidMappings: [{ containerID: 0, hostID: 2000, size: 10 }],
      });
    });
    assert.deepEqual(
      ops.find((o) => o.op === 'idmap_mount'),
      { op: 'idmap_mount', source: '/tmp', recursive: true, attr: 0x3, uidMap: '0 1000 10\n', gidMap: '0 2000 10\n' },
    );
    assert.ok(before(ops, 'idmap_mount', 'clone'));
    assert.deepEqual(
      ops.find((o) => o.op === 'mount_fd'),
      { op: 'mount_fd', index: 0, target: 'data', kind: 'dir', propagationFlags: 0 },
    );
    assert.throws(
      () => plan((c) => c.mounts!.push({ destination: '/t', type: 'tmpfs', source: 'tmpfs', options: ['idmap'] })),
      /\$\.mounts\[\d+\]: idmapped mounts must be bind mounts/,
    );
  });

  it('unsupported fields are errors naming their path', () => {
    for (const [edit, path] of [
      [(c: RuntimeConfig) => (c.linux!.intelRdt = { closID: 'x' }), /\$\.linux\.intelRdt/],
      [(c: RuntimeConfig) => (c.linux!.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0' }), /\$\.linux\.memoryPolicy/],
      [(c: RuntimeConfig) => (c.linux!.mountLabel = 'l'), /\$\.linux\.mountLabel/],
      [(c: RuntimeConfig) => (c.process!.selinuxLabel = 'l'), /\$\.process\.selinuxLabel/],
    ] as const)
      assert.throws(() => plan(edit), path);
  });

  it('execCPUAffinity: initial before the fork, final in the child', () => {
    const c = defaultSpec({ terminal: false }) as unknown as RuntimeConfig;
    const proc = { ...c.process!, args: ['true'], execCPUAffinity: { initial: '0', final: '0-1,3' } };
    const ops = compileExecPlan({
      config: c,
      process: proc,
      initPid: 1,
      namespaces: ['mnt'],
      cgroupProcs: ['/x/cgroup.procs'],
      monitor: false,
      lastCap: 40,
    }).ops;
    assert.deepEqual(ops[0], { op: 'cpu_affinity', cpus: [0] });
    const fin = ops.filter((o) => o.op === 'cpu_affinity')[1];
    assert.deepEqual(fin, { op: 'cpu_affinity', cpus: [0, 1, 3] });
    assert.ok(ops.indexOf(fin as PlanOp) > names(ops).indexOf('clone'));
    assert.deepEqual(cpuList('7, 0-2', '$'), [0, 1, 2, 7]);
    assert.throws(() => cpuList('3-1', '$.x'), /\$\.x/);
  });
});
