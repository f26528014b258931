/** `linux.resources` of runtime-spec config.json: config-linux.md#control-groups and its controllers. */
import { CGROUP_DEVICE_TYPES } from '../runtime/types.js';
import { type Checker, childPath, Int, type JsonObject, range } from './checker.js';
import { isCpuList } from './grammar.js';
import { RS } from './runtime-common.js';

// config-linux.md#memory and #pids: a byte count (or task count), or -1 for unlimited.
const LIMIT = range('int64, -1 for unlimited', -1, Int.int64.max);
// config-linux.md#block-io: weights are uint16, and the blkio controller the section cites accepts
// 10 to 1000.
const BLKIO_WEIGHT = range('blkio weight', 10, 1000);
// config-linux.md#huge-page-limits: `<size><unit-prefix>B`, e.g. 64KB, 2MB, 1GB.
const PAGE_SIZE = /^[1-9][0-9]*[KMG]B$/;
// config-linux.md#allowed-device-list: a composition of r, w and m.
const ACCESS = /^[rwm]+$/;

export function checkResources(c: Checker, resources: JsonObject, path: string): void {
  checkDeviceAllowList(c, resources, path);
  checkMemory(c, resources, path);
  checkCpu(c, resources, path);
  checkBlockIO(c, resources, path);
  c.objectArray(resources, 'hugepageLimits', path, RS.hugepages, {}, (h, p) => {
    const size = c.string(h, 'pageSize', p, RS.hugepages, { required: true });
    if (size !== undefined && !PAGE_SIZE.test(size))
      c.report(childPath(p, 'pageSize'), RS.hugepages, `'${size}' is not <size><unit-prefix>B such as 2MB`);
    c.integer(h, 'limit', p, RS.hugepages, Int.uint64, { required: true });
  });
  const network = c.object(resources, 'network', path, RS.network);
  if (network) {
    const p = childPath(path, 'network');
    c.integer(network, 'classID', p, RS.network, Int.uint32);
    c.objectArray(network, 'priorities', p, RS.network, {}, (prio, q) => {
      c.string(prio, 'name', q, RS.network, { required: true });
      c.integer(prio, 'priority', q, RS.network, Int.uint32, { required: true });
    });
  }
  const pids = c.object(resources, 'pids', path, RS.pids);
  if (pids) c.integer(pids, 'limit', childPath(path, 'pids'), RS.pids, LIMIT);
  c.objectMap(resources, 'rdma', path, RS.rdma, {}, (_name, entry, p) => {
    c.integer(entry, 'hcaHandles', p, RS.rdma, Int.uint32);
    c.integer(entry, 'hcaObjects', p, RS.rdma, Int.uint32);
    if (entry.hcaHandles === undefined && entry.hcaObjects === undefined)
      c.report(p, RS.rdma, 'at least one of hcaHandles or hcaObjects MUST be specified');
  });
  c.stringMap(resources, 'unified', path, RS.unified);
}

function checkDeviceAllowList(c: Checker, resources: JsonObject, path: string): void {
  const s = RS.deviceAllowList;
  c.objectArray(resources, 'devices', path, s, {}, (rule, p) => {
    c.boolean(rule, 'allow', p, s, { required: true });
    c.oneOf(rule, 'type', p, s, CGROUP_DEVICE_TYPES);
    c.integer(rule, 'major', p, s, Int.int64);
    c.integer(rule, 'minor', p, s, Int.int64);
    const access = c.string(rule, 'access', p, s);
    if (access !== undefined && !ACCESS.test(access))
      c.report(childPath(p, 'access'), s, `'${access}' is not a composition of r, w and m`);
  });
}

function checkMemory(c: Checker, resources: JsonObject, path: string): void {
  const memory = c.object(resources, 'memory', path, RS.memory);
  if (!memory) return;
  const p = childPath(path, 'memory');
  for (const key of ['limit', 'reservation', 'swap', 'kernel', 'kernelTCP'])
    c.integer(memory, key, p, RS.memory, LIMIT);
  c.integer(memory, 'swappiness', p, RS.memory, range('swappiness', 0, 100));
  for (const key of ['disableOOMKiller', 'useHierarchy', 'checkBeforeUpdate']) c.boolean(memory, key, p, RS.memory);
}

function checkCpu(c: Checker, resources: JsonObject, path: string): void {
  const cpu = c.object(resources, 'cpu', path, RS.cpu);
  if (!cpu) return;
  const p = childPath(path, 'cpu');
  c.integer(cpu, 'shares', p, RS.cpu, Int.uint64);
  const quota = c.integer(cpu, 'quota', p, RS.cpu, Int.int64);
  const burst = c.integer(cpu, 'burst', p, RS.cpu, Int.uint64);
  // "If specified, this value MUST be no larger than any positive quota".
  if (quota !== undefined && burst !== undefined && quota > 0 && burst > quota)
    c.report(childPath(p, 'burst'), RS.cpu, `burst ${burst} is larger than quota ${quota}`);
  c.integer(cpu, 'period', p, RS.cpu, Int.uint64);
  c.integer(cpu, 'realtimeRuntime', p, RS.cpu, Int.int64);
  c.integer(cpu, 'realtimePeriod', p, RS.cpu, Int.uint64);
  for (const key of ['cpus', 'mems']) {
    const list = c.string(cpu, key, p, RS.cpu);
    if (list !== undefined && !isCpuList(list))
      c.report(childPath(p, key), RS.cpu, `'${list}' is not a list such as 0-3,7`);
  }
  c.integer(cpu, 'idle', p, RS.cpu, Int.int64);
}

function checkBlockIO(c: Checker, resources: JsonObject, path: string): void {
  const s = RS.blockIO;
  const blkio = c.object(resources, 'blockIO', path, s);
  if (!blkio) return;
  const p = childPath(path, 'blockIO');
  c.integer(blkio, 'weight', p, s, BLKIO_WEIGHT);
  c.integer(blkio, 'leafWeight', p, s, BLKIO_WEIGHT);
  c.objectArray(blkio, 'weightDevice', p, s, {}, (d, q) => {
    c.integer(d, 'major', q, s, Int.int64, { required: true });
    c.integer(d, 'minor', q, s, Int.int64, { required: true });
    c.integer(d, 'weight', q, s, BLKIO_WEIGHT);
    c.integer(d, 'leafWeight', q, s, BLKIO_WEIGHT);
    if (d.weight === undefined && d.leafWeight === undefined)
      c.report(q, s, 'at least one of weight or leafWeight MUST be specified');
  });
  for (const key of [
    'throttleReadBpsDevice',
    'throttleWriteBpsDevice',
    'throttleReadIOPSDevice',
    'throttleWriteIOPSDevice',
  ]) {
    c.objectArray(blkio, key, p, s, {}, (d, q) => {
      c.integer(d, 'major', q, s, Int.int64, { required: true });
      c.integer(d, 'minor', q, s, Int.int64, { required: true });
      c.integer(d, 'rate', q, s, Int.uint64, { required: true });
    });
  }
}
