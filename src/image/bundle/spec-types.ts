/**
 * The subset of runtime-spec v1.3.0 config.json types the image → bundle conversion writes
 * (runtime-spec/config.md, config-linux.md). Defined here rather than imported from
 * src/oci/runtime/types.ts so this module does not depend on that file's timing; the shapes
 * follow the spec's field names exactly so the two can be merged without renaming.
 */

/** runtime-spec/config.md#user */
export interface SpecUser {
  uid: number;
  gid: number;
  umask?: number;
  additionalGids?: number[];
}

/** runtime-spec/config.md#linux-process `capabilities` */
export interface SpecCapabilities {
  bounding?: string[];
  effective?: string[];
  inheritable?: string[];
  permitted?: string[];
  ambient?: string[];
}

/** runtime-spec/config.md#posix-process `rlimits` */
export interface SpecRlimit {
  type: string;
  soft: number;
  hard: number;
}

/** runtime-spec/config.md#process */
export interface SpecProcess {
  terminal?: boolean;
  user: SpecUser;
  args?: string[];
  env?: string[];
  cwd: string;
  capabilities?: SpecCapabilities;
  rlimits?: SpecRlimit[];
  noNewPrivileges?: boolean;
}

/** runtime-spec/config.md#root */
export interface SpecRoot {
  path: string;
  readonly?: boolean;
}

/** runtime-spec/config.md#mounts */
export interface SpecMount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
}

/** runtime-spec/config-linux.md#namespaces */
export interface SpecNamespace {
  type: 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'user' | 'cgroup' | 'time';
  path?: string;
}

/** runtime-spec/config-linux.md#user-namespace-mappings */
export interface SpecIdMapping {
  containerID: number;
  hostID: number;
  size: number;
}

/** runtime-spec/config-linux.md#allowed-device-list */
export interface SpecDeviceCgroup {
  allow: boolean;
  type?: string;
  major?: number;
  minor?: number;
  access?: string;
}

/** runtime-spec/config-linux.md#control-groups (the parts written here). */
export interface SpecResources {
  devices?: SpecDeviceCgroup[];
  memory?: { limit?: number; swap?: number };
  cpu?: { shares?: number; quota?: number; period?: number };
  pids?: { limit: number };
}

/** runtime-spec/config-linux.md */
export interface SpecLinux {
  uidMappings?: SpecIdMapping[];
  gidMappings?: SpecIdMapping[];
  resources?: SpecResources;
  namespaces?: SpecNamespace[];
  maskedPaths?: string[];
  readonlyPaths?: string[];
  cgroupsPath?: string;
  /** config-linux.md#seccomp, passed through as the profile file has it. */
  seccomp?: unknown;
}

/** runtime-spec/config.md: the top level of config.json. */
export interface RuntimeSpec {
  ociVersion: string;
  process?: SpecProcess;
  root?: SpecRoot;
  hostname?: string;
  mounts?: SpecMount[];
  linux?: SpecLinux;
  annotations?: Record<string, string>;
}
