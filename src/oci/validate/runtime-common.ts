/**
 * Pieces the runtime-spec config.json validator (src/oci/runtime/validate.ts) uses in several
 * places: the sections it cites, and checks for absolute paths, environment lists, value lists
 * and ID mappings.
 */
import { type Checker, childPath, Int, type JsonObject } from './checker.js';
import { isAbsolutePath, isEnvEntry } from './grammar.js';

const CONFIG = 'runtime-spec/config.md';
const LINUX = 'runtime-spec/config-linux.md';

/** Sections of runtime-spec v1.3.0, by the heading anchors GitHub renders. */
export const RS = {
  version: `${CONFIG}#specification-version`,
  root: `${CONFIG}#root`,
  mounts: `${CONFIG}#mounts`,
  posixMounts: `${CONFIG}#posix-platform-mounts`,
  process: `${CONFIG}#process`,
  posixProcess: `${CONFIG}#posix-process`,
  linuxProcess: `${CONFIG}#linux-process`,
  user: `${CONFIG}#posix-platform-user`,
  hostname: `${CONFIG}#hostname`,
  domainname: `${CONFIG}#domainname`,
  platform: `${CONFIG}#platform-specific-configuration`,
  hooks: `${CONFIG}#posix-platform-hooks`,
  annotations: `${CONFIG}#annotations`,
  namespaces: `${LINUX}#namespaces`,
  idMappings: `${LINUX}#user-namespace-mappings`,
  timeOffsets: `${LINUX}#offset-for-time-namespace`,
  devices: `${LINUX}#devices`,
  netDevices: `${LINUX}#network-devices`,
  cgroups: `${LINUX}#control-groups`,
  cgroupsPath: `${LINUX}#cgroups-path`,
  deviceAllowList: `${LINUX}#allowed-device-list`,
  memory: `${LINUX}#memory`,
  cpu: `${LINUX}#cpu`,
  blockIO: `${LINUX}#block-io`,
  hugepages: `${LINUX}#huge-page-limits`,
  network: `${LINUX}#network`,
  pids: `${LINUX}#pids`,
  rdma: `${LINUX}#rdma`,
  unified: `${LINUX}#unified`,
  intelRdt: `${LINUX}#intelrdt`,
  memoryPolicy: `${LINUX}#memory-policy`,
  sysctl: `${LINUX}#sysctl`,
  seccomp: `${LINUX}#seccomp`,
  rootfsPropagation: `${LINUX}#rootfs-mount-propagation`,
  maskedPaths: `${LINUX}#masked-paths`,
  readonlyPaths: `${LINUX}#readonly-paths`,
  mountLabel: `${LINUX}#mount-label`,
  personality: `${LINUX}#personality`,
} as const;

/** A string field that must be an absolute path. */
export function absolutePath(
  c: Checker,
  obj: JsonObject,
  key: string,
  path: string,
  section: string,
  required = false,
): string | undefined {
  const value = c.string(obj, key, path, section, { required });
  if (value !== undefined && !isAbsolutePath(value)) {
    c.report(childPath(path, key), section, `'${value}' must be an absolute path`);
    return undefined;
  }
  return value;
}

/** An array of absolute paths (maskedPaths, readonlyPaths). */
export function absolutePaths(c: Checker, obj: JsonObject, key: string, path: string, section: string): void {
  c.stringArray(obj, key, path, section, {}, (value, p) => {
    if (!isAbsolutePath(value)) c.report(p, section, `'${value}' must be an absolute path`);
  });
}

/** An environment list: IEEE Std 1003.1-2008 environ entries, `NAME=value`. */
export function envList(c: Checker, obj: JsonObject, key: string, path: string, section: string): void {
  c.stringArray(obj, key, path, section, {}, (value, p) => {
    if (!isEnvEntry(value)) c.report(p, section, `'${value}' is not in the form NAME=value`);
  });
}

/** An array of strings each of which must be one of `values`. */
export function enumList(
  c: Checker,
  obj: JsonObject,
  key: string,
  path: string,
  section: string,
  values: readonly string[],
): void {
  c.stringArray(obj, key, path, section, {}, (value, p) => {
    if (values.includes(value)) return;
    c.report(
      p,
      section,
      values.length ? `'${value}' is not one of ${values.join(', ')}` : `'${value}': no values are defined`,
    );
  });
}

/** config-linux.md#user-namespace-mappings: containerID, hostID and size, all uint32, REQUIRED. */
export function idMappings(
  c: Checker,
  obj: JsonObject,
  key: string,
  path: string,
  section: string = RS.idMappings,
): boolean {
  const list = c.objectArray(obj, key, path, section, {}, (m, p) => {
    c.integer(m, 'containerID', p, section, Int.uint32, { required: true });
    c.integer(m, 'hostID', p, section, Int.uint32, { required: true });
    c.integer(m, 'size', p, section, Int.uint32, { required: true });
  });
  return list !== undefined;
}
