/** runtime-spec config.json, the `linux` object (config-linux.md). */
import { describe } from 'node:test';
import { validateRuntimeConfig } from '../../src/oci/runtime/validate.js';
import { LNX, runtimeConfig } from './runtime-config-fixture.js';
import { type Row, runTable } from './table.js';

const rows: Row[] = [
  {
    name: 'namespace type unknown',
    mutate: (d) => (d.linux.namespaces[1].type = 'net'),
    expect: [['$.linux.namespaces[1].type', LNX]],
  },
  {
    name: 'duplicate namespace',
    mutate: (d) => d.linux.namespaces.push({ type: 'pid' }),
    expect: [['$.linux.namespaces[8].type', LNX]],
  },
  {
    name: 'namespace path relative',
    mutate: (d) => (d.linux.namespaces[1].path = 'netns/a'),
    expect: [['$.linux.namespaces[1].path', LNX]],
  },
  {
    name: 'uidMapping size missing',
    mutate: (d) => delete d.linux.uidMappings[0].size,
    expect: [['$.linux.uidMappings[0].size', LNX]],
  },
  {
    name: 'gidMapping hostID negative',
    mutate: (d) => (d.linux.gidMappings[0].hostID = -1),
    expect: [['$.linux.gidMappings[0].hostID', LNX]],
  },
  {
    name: 'timeOffsets unknown clock',
    mutate: (d) => (d.linux.timeOffsets.realtime = { secs: 1 }),
    expect: [['$.linux.timeOffsets.realtime', LNX]],
  },
  {
    name: 'timeOffsets nanosecs too large',
    mutate: (d) => (d.linux.timeOffsets.monotonic.nanosecs = 1e9),
    expect: [['$.linux.timeOffsets.monotonic.nanosecs', LNX]],
  },
  {
    name: 'device type unknown',
    mutate: (d) => (d.linux.devices[0].type = 'x'),
    expect: [['$.linux.devices[0].type', LNX]],
  },
  {
    name: 'char device without major',
    mutate: (d) => delete d.linux.devices[0].major,
    expect: [['$.linux.devices[0].major', LNX]],
  },
  {
    name: 'device path relative',
    mutate: (d) => (d.linux.devices[1].path = 'dev/sda'),
    expect: [['$.linux.devices[1].path', LNX]],
  },
  { name: 'cgroupsPath a number', mutate: (d) => (d.linux.cgroupsPath = 7), expect: [['$.linux.cgroupsPath', LNX]] },
  {
    name: 'device rule allow missing',
    mutate: (d) => delete d.linux.resources.devices[1].allow,
    expect: [['$.linux.resources.devices[1].allow', LNX]],
  },
  {
    name: 'device rule access rwx',
    mutate: (d) => (d.linux.resources.devices[0].access = 'rwx'),
    expect: [['$.linux.resources.devices[0].access', LNX]],
  },
  {
    name: 'device rule type u',
    mutate: (d) => (d.linux.resources.devices[1].type = 'u'),
    expect: [['$.linux.resources.devices[1].type', LNX]],
  },
  {
    name: 'memory limit fractional',
    mutate: (d) => (d.linux.resources.memory.limit = 1.5),
    expect: [['$.linux.resources.memory.limit', LNX]],
  },
  {
    name: 'memory limit a string',
    mutate: (d) => (d.linux.resources.memory.limit = '512m'),
    expect: [['$.linux.resources.memory.limit', LNX]],
  },
  {
    name: 'memory swap below -1',
    mutate: (d) => (d.linux.resources.memory.swap = -2),
    expect: [['$.linux.resources.memory.swap', LNX]],
  },
  {
    name: 'swappiness over 100',
    mutate: (d) => (d.linux.resources.memory.swappiness = 101),
    expect: [['$.linux.resources.memory.swappiness', LNX]],
  },
  {
    name: 'cpu burst above quota',
    mutate: (d) => (d.linux.resources.cpu.burst = 2000000),
    expect: [['$.linux.resources.cpu.burst', LNX]],
  },
  {
    name: 'cpu shares negative',
    mutate: (d) => (d.linux.resources.cpu.shares = -1),
    expect: [['$.linux.resources.cpu.shares', LNX]],
  },
  {
    name: 'cpus not a list',
    mutate: (d) => (d.linux.resources.cpu.cpus = '0-3;7'),
    expect: [['$.linux.resources.cpu.cpus', LNX]],
  },
  {
    name: 'blockIO weight 5',
    mutate: (d) => (d.linux.resources.blockIO.weight = 5),
    expect: [['$.linux.resources.blockIO.weight', LNX]],
  },
  {
    name: 'blockIO weightDevice without weights',
    mutate: (d) => (d.linux.resources.blockIO.weightDevice[1] = { major: 8, minor: 16 }),
    expect: [['$.linux.resources.blockIO.weightDevice[1]', LNX]],
  },
  {
    name: 'throttle rate missing',
    mutate: (d) => delete d.linux.resources.blockIO.throttleReadBpsDevice[0].rate,
    expect: [['$.linux.resources.blockIO.throttleReadBpsDevice[0].rate', LNX]],
  },
  {
    name: 'hugepage pageSize 2M',
    mutate: (d) => (d.linux.resources.hugepageLimits[0].pageSize = '2M'),
    expect: [['$.linux.resources.hugepageLimits[0].pageSize', LNX]],
  },
  {
    name: 'pids limit -2',
    mutate: (d) => (d.linux.resources.pids.limit = -2),
    expect: [['$.linux.resources.pids.limit', LNX]],
  },
  {
    name: 'rdma entry empty',
    mutate: (d) => (d.linux.resources.rdma.mlx4_0 = {}),
    expect: [['$.linux.resources.rdma.mlx4_0', LNX]],
  },
  {
    name: 'unified value a number',
    mutate: (d) => (d.linux.resources.unified['pids.max'] = 10),
    expect: [['$.linux.resources.unified["pids.max"]', LNX]],
  },
  {
    name: 'network priority missing name',
    mutate: (d) => delete d.linux.resources.network.priorities[0].name,
    expect: [['$.linux.resources.network.priorities[0].name', LNX]],
  },
  {
    name: 'memBwSchema without MB:',
    mutate: (d) => (d.linux.intelRdt.memBwSchema = '0=20'),
    expect: [['$.linux.intelRdt.memBwSchema', LNX]],
  },
  {
    name: 'memoryPolicy mode unknown',
    mutate: (d) => (d.linux.memoryPolicy.mode = 'MPOL_ANY'),
    expect: [['$.linux.memoryPolicy.mode', LNX]],
  },
  {
    name: 'sysctl value a number',
    mutate: (d) => (d.linux.sysctl['net.ipv4.ip_forward'] = 1),
    expect: [['$.linux.sysctl["net.ipv4.ip_forward"]', LNX]],
  },
  {
    name: 'seccomp defaultAction unknown',
    mutate: (d) => (d.linux.seccomp.defaultAction = 'SCMP_ACT_DENY'),
    expect: [['$.linux.seccomp.defaultAction', LNX]],
  },
  {
    name: 'seccomp defaultAction missing',
    mutate: (d) => delete d.linux.seccomp.defaultAction,
    expect: [['$.linux.seccomp.defaultAction', LNX]],
  },
  {
    name: 'seccomp architecture unknown',
    mutate: (d) => (d.linux.seccomp.architectures[1] = 'x86'),
    expect: [['$.linux.seccomp.architectures[1]', LNX]],
  },
  {
    name: 'seccomp flag unknown',
    mutate: (d) => (d.linux.seccomp.flags = ['TSYNC']),
    expect: [['$.linux.seccomp.flags[0]', LNX]],
  },
  {
    name: 'syscall action unknown',
    mutate: (d) => (d.linux.seccomp.syscalls[0].action = 'allow'),
    expect: [['$.linux.seccomp.syscalls[0].action', LNX]],
  },
  {
    name: 'syscall names empty',
    mutate: (d) => (d.linux.seccomp.syscalls[0].names = []),
    expect: [['$.linux.seccomp.syscalls[0].names', LNX]],
  },
  {
    name: 'syscall arg op unknown',
    mutate: (d) => (d.linux.seccomp.syscalls[2].args[0].op = 'SCMP_CMP_AND'),
    expect: [['$.linux.seccomp.syscalls[2].args[0].op', LNX]],
  },
  {
    name: 'syscall arg index 6',
    mutate: (d) => (d.linux.seccomp.syscalls[1].args[0].index = 6),
    expect: [['$.linux.seccomp.syscalls[1].args[0].index', LNX]],
  },
  {
    name: 'listenerMetadata without listenerPath',
    mutate: (d) => delete d.linux.seccomp.listenerPath,
    expect: [['$.linux.seccomp.listenerMetadata', LNX]],
  },
  {
    name: 'rootfsPropagation rshared',
    mutate: (d) => (d.linux.rootfsPropagation = 'rshared'),
    expect: [['$.linux.rootfsPropagation', LNX]],
  },
  {
    name: 'maskedPaths relative',
    mutate: (d) => d.linux.maskedPaths.push('proc/keys'),
    expect: [['$.linux.maskedPaths[1]', LNX]],
  },
  {
    name: 'readonlyPaths not an array',
    mutate: (d) => (d.linux.readonlyPaths = '/proc/sys'),
    expect: [['$.linux.readonlyPaths', LNX]],
  },
  {
    name: 'personality domain unknown',
    mutate: (d) => (d.linux.personality.domain = 'LINUX64'),
    expect: [['$.linux.personality.domain', LNX]],
  },
  {
    name: 'personality flags (none defined)',
    mutate: (d) => (d.linux.personality.flags = ['ADDR_NO_RANDOMIZE']),
    expect: [['$.linux.personality.flags[0]', LNX]],
  },
];

describe('validateRuntimeConfig: linux', () => {
  runTable(validateRuntimeConfig, runtimeConfig, rows);
});
