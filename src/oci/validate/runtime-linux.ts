/** The `linux` object of runtime-spec config.json (config-linux.md). */
import {
  DEVICE_TYPES,
  MEMORY_POLICY_FLAGS,
  MEMORY_POLICY_MODES,
  NAMESPACE_TYPES,
  PERSONALITY_DOMAINS,
  ROOTFS_PROPAGATIONS,
  TIME_OFFSET_CLOCKS,
} from '../runtime/types.js';
import { type Checker, childPath, Int, type JsonObject, range } from './checker.js';
import { isCpuList } from './grammar.js';
import { absolutePath, absolutePaths, enumList, idMappings, RS } from './runtime-common.js';
import { checkResources } from './runtime-resources.js';
import { checkSeccomp } from './runtime-seccomp.js';

export function checkLinux(c: Checker, linux: JsonObject, path: string): void {
  checkNamespaces(c, linux, path);
  idMappings(c, linux, 'uidMappings', path);
  idMappings(c, linux, 'gidMappings', path);
  c.objectMap(linux, 'timeOffsets', path, RS.timeOffsets, {}, (clock, offset, p) => {
    // time_namespaces(7): only the monotonic and boottime clocks can be offset.
    if (!(TIME_OFFSET_CLOCKS as readonly string[]).includes(clock))
      c.report(p, RS.timeOffsets, `'${clock}' is not one of ${TIME_OFFSET_CLOCKS.join(', ')}`);
    c.integer(offset, 'secs', p, RS.timeOffsets, Int.int64);
    c.integer(offset, 'nanosecs', p, RS.timeOffsets, range('nanoseconds', 0, 999_999_999));
  });
  checkDevices(c, linux, path);
  c.objectMap(linux, 'netDevices', path, RS.netDevices, {}, (_name, dev, p) => {
    c.string(dev, 'name', p, RS.netDevices);
  });
  c.string(linux, 'cgroupsPath', path, RS.cgroupsPath);
  const resources = c.object(linux, 'resources', path, RS.cgroups);
  if (resources) checkResources(c, resources, childPath(path, 'resources'));
  checkIntelRdt(c, linux, path);
  const policy = c.object(linux, 'memoryPolicy', path, RS.memoryPolicy);
  if (policy) {
    const p = childPath(path, 'memoryPolicy');
    c.oneOf(policy, 'mode', p, RS.memoryPolicy, MEMORY_POLICY_MODES, { required: true });
    const nodes = c.string(policy, 'nodes', p, RS.memoryPolicy);
    if (nodes !== undefined && !isCpuList(nodes))
      c.report(childPath(p, 'nodes'), RS.memoryPolicy, `'${nodes}' is not a list such as 0-3,7`);
    enumList(c, policy, 'flags', p, RS.memoryPolicy, MEMORY_POLICY_FLAGS);
  }
  c.stringMap(linux, 'sysctl', path, RS.sysctl);
  const seccomp = c.object(linux, 'seccomp', path, RS.seccomp);
  if (seccomp) checkSeccomp(c, seccomp, childPath(path, 'seccomp'));
  c.oneOf(linux, 'rootfsPropagation', path, RS.rootfsPropagation, ROOTFS_PROPAGATIONS);
  absolutePaths(c, linux, 'maskedPaths', path, RS.maskedPaths);
  absolutePaths(c, linux, 'readonlyPaths', path, RS.readonlyPaths);
  c.string(linux, 'mountLabel', path, RS.mountLabel);
  const personality = c.object(linux, 'personality', path, RS.personality);
  if (personality) {
    const p = childPath(path, 'personality');
    c.oneOf(personality, 'domain', p, RS.personality, PERSONALITY_DOMAINS, { required: true });
    // "Currently no flag values are supported."
    enumList(c, personality, 'flags', p, RS.personality, []);
  }
}

/** config-linux.md#namespaces: known types, absolute paths, and duplicated types MUST be an error. */
function checkNamespaces(c: Checker, linux: JsonObject, path: string): void {
  const seen = new Set<string>();
  c.objectArray(linux, 'namespaces', path, RS.namespaces, {}, (ns, p) => {
    const type = c.oneOf(ns, 'type', p, RS.namespaces, NAMESPACE_TYPES, { required: true });
    if (type !== undefined) {
      if (seen.has(type)) c.report(childPath(p, 'type'), RS.namespaces, `duplicate namespace type '${type}'`);
      seen.add(type);
    }
    absolutePath(c, ns, 'path', p, RS.namespaces);
  });
}

/** config-linux.md#devices: major and minor are REQUIRED unless the type is p (a FIFO). */
function checkDevices(c: Checker, linux: JsonObject, path: string): void {
  const s = RS.devices;
  c.objectArray(linux, 'devices', path, s, {}, (dev, p) => {
    const type = c.oneOf(dev, 'type', p, s, DEVICE_TYPES, { required: true });
    absolutePath(c, dev, 'path', p, s, true);
    const needNumbers = type !== undefined && type !== 'p';
    c.integer(dev, 'major', p, s, Int.int64, { required: needNumbers });
    c.integer(dev, 'minor', p, s, Int.int64, { required: needNumbers });
    c.integer(dev, 'fileMode', p, s, Int.uint32);
    c.integer(dev, 'uid', p, s, Int.uint32);
    c.integer(dev, 'gid', p, s, Int.uint32);
  });
}

/** config-linux.md#intelrdt: memBwSchema MUST start with `MB:`; no value may contain a newline. */
function checkIntelRdt(c: Checker, linux: JsonObject, path: string): void {
  const s = RS.intelRdt;
  const rdt = c.object(linux, 'intelRdt', path, s);
  if (!rdt) return;
  const p = childPath(path, 'intelRdt');
  c.string(rdt, 'closID', p, s);
  c.string(rdt, 'l3CacheSchema', p, s);
  const mb = c.string(rdt, 'memBwSchema', p, s);
  if (mb !== undefined && (!mb.startsWith('MB:') || mb.includes('\n')))
    c.report(childPath(p, 'memBwSchema'), s, 'must start with MB: and contain no newline');
  c.stringArray(rdt, 'schemata', p, s, {}, (line, q) => {
    if (line.includes('\n')) c.report(q, s, 'must not contain a newline');
  });
  c.boolean(rdt, 'enableMonitoring', p, s);
}
