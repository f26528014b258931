/** runtime-spec config.json (config.md) for Linux: the top level, process, mounts and hooks; `runc spec` output; state. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { validateRuntimeConfig, validateState } from '../../src/oci/runtime/validate.js';
import { CFG, runtimeConfig as config, LNX } from './runtime-config-fixture.js';
import { assertProblems, clone, type Row, runTable } from './table.js';

const rows: Row[] = [
  { name: 'ociVersion missing', mutate: (d) => delete d.ociVersion, expect: [['$.ociVersion', CFG]] },
  { name: 'ociVersion not SemVer', mutate: (d) => (d.ociVersion = '1.0'), expect: [['$.ociVersion', CFG]] },
  { name: 'ociVersion 2.x', mutate: (d) => (d.ociVersion = '2.0.0'), expect: [['$.ociVersion', CFG]] },
  { name: 'pre-release ociVersion passes', mutate: (d) => (d.ociVersion = '1.0.2-dev'), expect: [] },
  { name: 'root missing', mutate: (d) => delete d.root, expect: [['$.root', CFG]] },
  { name: 'root.path missing', mutate: (d) => delete d.root.path, expect: [['$.root.path', CFG]] },
  { name: 'root.readonly a string', mutate: (d) => (d.root.readonly = 'yes'), expect: [['$.root.readonly', CFG]] },
  { name: 'process missing', mutate: (d) => delete d.process, expect: [['$.process', CFG]] },
  { name: 'process.args empty', mutate: (d) => (d.process.args = []), expect: [['$.process.args', CFG]] },
  { name: 'process.args missing', mutate: (d) => delete d.process.args, expect: [['$.process.args', CFG]] },
  { name: 'process.cwd relative', mutate: (d) => (d.process.cwd = 'home'), expect: [['$.process.cwd', CFG]] },
  { name: 'process.cwd missing', mutate: (d) => delete d.process.cwd, expect: [['$.process.cwd', CFG]] },
  { name: 'process.user missing', mutate: (d) => delete d.process.user, expect: [['$.process.user', CFG]] },
  {
    name: 'process.user.uid negative',
    mutate: (d) => (d.process.user.uid = -1),
    expect: [['$.process.user.uid', CFG]],
  },
  {
    name: 'process.user.gid a string',
    mutate: (d) => (d.process.user.gid = '0'),
    expect: [['$.process.user.gid', CFG]],
  },
  {
    name: 'additionalGids entry fractional',
    mutate: (d) => (d.process.user.additionalGids[1] = 1.5),
    expect: [['$.process.user.additionalGids[1]', CFG]],
  },
  { name: 'env entry without =', mutate: (d) => (d.process.env[1] = 'TERM'), expect: [['$.process.env[1]', CFG]] },
  {
    name: 'capability without CAP_',
    mutate: (d) => (d.process.capabilities.bounding[2] = 'NET_BIND_SERVICE'),
    expect: [['$.process.capabilities.bounding[2]', CFG]],
  },
  {
    name: 'capability lower case',
    mutate: (d) => (d.process.capabilities.ambient[0] = 'cap_kill'),
    expect: [['$.process.capabilities.ambient[0]', CFG]],
  },
  {
    name: 'rlimit type without RLIMIT_',
    mutate: (d) => (d.process.rlimits[0].type = 'NOFILE'),
    expect: [['$.process.rlimits[0].type', CFG]],
  },
  {
    name: 'duplicate rlimit',
    mutate: (d) => (d.process.rlimits[1].type = 'RLIMIT_NOFILE'),
    expect: [['$.process.rlimits[1].type', CFG]],
  },
  {
    name: 'rlimit soft missing',
    mutate: (d) => delete d.process.rlimits[0].soft,
    expect: [['$.process.rlimits[0].soft', CFG]],
  },
  {
    name: 'rlimit soft above hard',
    mutate: (d) => (d.process.rlimits[0].soft = 4096),
    expect: [['$.process.rlimits[0].soft', CFG]],
  },
  {
    name: 'consoleSize without terminal passes (config.md#process: runtimes ignore it)',
    mutate: (d) => (d.process.terminal = false),
    expect: [],
  },
  {
    name: 'consoleSize width missing',
    mutate: (d) => delete d.process.consoleSize.width,
    expect: [['$.process.consoleSize.width', CFG]],
  },
  {
    name: 'ioPriority class unknown',
    mutate: (d) => (d.process.ioPriority.class = 'IOPRIO_CLASS_NONE'),
    expect: [['$.process.ioPriority.class', CFG]],
  },
  {
    name: 'ioPriority priority 8',
    mutate: (d) => (d.process.ioPriority.priority = 8),
    expect: [['$.process.ioPriority.priority', CFG]],
  },
  {
    name: 'scheduler policy unknown',
    mutate: (d) => (d.process.scheduler.policy = 'SCHED_FAIR'),
    expect: [['$.process.scheduler.policy', CFG]],
  },
  {
    name: 'scheduler flag unknown',
    mutate: (d) => d.process.scheduler.flags.push('SCHED_FLAG_X'),
    expect: [['$.process.scheduler.flags[1]', CFG]],
  },
  {
    name: 'oomScoreAdj out of range',
    mutate: (d) => (d.process.oomScoreAdj = 1001),
    expect: [['$.process.oomScoreAdj', CFG]],
  },
  {
    name: 'execCPUAffinity not a CPU list',
    mutate: (d) => (d.process.execCPUAffinity.final = 'all'),
    expect: [['$.process.execCPUAffinity.final', CFG]],
  },
  {
    name: 'relative mount destination passes (config.md#mounts: deprecated, relative to /)',
    mutate: (d) => (d.mounts[1].destination = 'dev'),
    expect: [],
  },
  {
    name: 'mount destination not a string',
    mutate: (d) => (d.mounts[1].destination = 7),
    expect: [['$.mounts[1].destination', CFG]],
  },
  {
    name: 'mount destination missing',
    mutate: (d) => delete d.mounts[0].destination,
    expect: [['$.mounts[0].destination', CFG]],
  },
  {
    name: 'mount options a string',
    mutate: (d) => (d.mounts[1].options = 'ro'),
    expect: [['$.mounts[1].options', CFG]],
  },
  {
    name: 'mount uidMappings without gidMappings',
    mutate: (d) => delete d.mounts[2].gidMappings,
    expect: [['$.mounts[2].gidMappings', CFG]],
  },
  {
    name: 'mount idmapping without hostID',
    mutate: (d) => delete d.mounts[2].uidMappings[0].hostID,
    expect: [['$.mounts[2].uidMappings[0].hostID', CFG]],
  },
  {
    name: 'hook path relative',
    mutate: (d) => (d.hooks.prestart[0].path = 'fix-mounts'),
    expect: [['$.hooks.prestart[0].path', CFG]],
  },
  {
    name: 'hook path missing',
    mutate: (d) => delete d.hooks.startContainer[0].path,
    expect: [['$.hooks.startContainer[0].path', CFG]],
  },
  {
    name: 'hook timeout zero',
    mutate: (d) => (d.hooks.poststart[0].timeout = 0),
    expect: [['$.hooks.poststart[0].timeout', CFG]],
  },
  {
    name: 'hook env without =',
    mutate: (d) => (d.hooks.createContainer[0].env = ['x']),
    expect: [['$.hooks.createContainer[0].env[0]', CFG]],
  },
  {
    name: 'hooks array an object',
    mutate: (d) => (d.hooks.poststop = { path: '/x' }),
    expect: [['$.hooks.poststop', CFG]],
  },
  {
    name: 'annotation value a number',
    mutate: (d) => (d.annotations['com.example.n'] = 1),
    expect: [['$.annotations["com.example.n"]', CFG]],
  },
  { name: 'annotation key empty', mutate: (d) => (d.annotations[''] = 'x'), expect: [['$.annotations[""]', CFG]] },
  { name: 'hostname a number', mutate: (d) => (d.hostname = 1), expect: [['$.hostname', CFG]] },
  { name: 'linux not an object', mutate: (d) => (d.linux = []), expect: [['$.linux', CFG]] },
  {
    name: 'every problem is collected',
    mutate: (d) => {
      d.process.cwd = 'x';
      d.linux.namespaces[0].type = 'bogus';
      d.linux.seccomp.syscalls[0].action = 'x';
      d.mounts[0].destination = 42;
    },
    expect: [
      ['$.process.cwd', CFG],
      ['$.linux.namespaces[0].type', LNX],
      ['$.linux.seccomp.syscalls[0].action', LNX],
      ['$.mounts[0].destination', CFG],
    ],
  },
];

describe('validateRuntimeConfig', () => {
  runTable(validateRuntimeConfig, config, rows);

  test('process is optional when the caller does not need it', () => {
    const doc = clone(config);
    delete doc.process;
    assertProblems(validateRuntimeConfig(doc, 'doc.json', { requireProcess: false }), []);
  });

  test('a document that is not an object', () => {
    assertProblems(validateRuntimeConfig('{}', 'doc.json'), [['$', CFG]]);
  });
});

describe('runc spec output', () => {
  const runc = spawnSync('runc', ['--version']);
  const skip = runc.error ? 'runc is not installed' : false;
  for (const args of [['spec'], ['spec', '--rootless']]) {
    test(`runc ${args.join(' ')} passes`, { skip }, () => {
      const dir = mkdtempSync(join(tmpdir(), 'hull-runc-spec-'));
      try {
        const res = spawnSync('runc', args, { cwd: dir, encoding: 'utf8' });
        if (res.status !== 0) throw new Error(`runc ${args.join(' ')} failed: ${res.stderr}`);
        const doc = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
        assertProblems(validateRuntimeConfig(doc, 'doc.json'), []);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

describe('validateState', () => {
  const STATE = 'runtime-spec/runtime.md';
  const state = {
    ociVersion: '1.3.0',
    id: 'oci-container1',
    status: 'running',
    pid: 4422,
    bundle: '/containers/redis',
    annotations: { myKey: 'myValue' },
  };
  runTable(validateState, state, [
    { name: 'id missing', mutate: (d) => delete d.id, expect: [['$.id', STATE]] },
    { name: 'pid missing while running', mutate: (d) => delete d.pid, expect: [['$.pid', STATE]] },
    {
      name: 'pid may be absent when stopped',
      mutate: (d) => Object.assign(d, { status: 'stopped', pid: undefined }),
      expect: [],
    },
    { name: 'runtime-defined status', mutate: (d) => (d.status = 'paused'), expect: [] },
    { name: 'bundle relative', mutate: (d) => (d.bundle = 'containers/redis'), expect: [['$.bundle', STATE]] },
    { name: 'ociVersion not SemVer', mutate: (d) => (d.ociVersion = 'v1'), expect: [['$.ociVersion', STATE]] },
    {
      name: 'annotation value a number',
      mutate: (d) => (d.annotations.myKey = 1),
      expect: [['$.annotations.myKey', STATE]],
    },
  ]);
});
