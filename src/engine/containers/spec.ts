/**
 * The runtime config of an engine container: the image's config converted as image-spec
 * conversion.md says (src/image/bundle), then `hull run`'s flags on top, with docker's defaults
 * where runc's `spec` template differs (docker's capability set, no no_new_privs, a writable
 * root, the container's own /etc/hosts, /etc/resolv.conf and /etc/hostname).
 */
import { readFileSync } from 'node:fs';
import { HullError } from '../../errors.js';
import { convertImageConfig } from '../../image/bundle/convert.js';
import type { RuntimeSpec, SpecMount } from '../../image/bundle/spec-types.js';
import { resolveUser } from '../../image/bundle/user.js';
import type { ImageConfig } from '../../oci/types.js';
import { CAP_NAMES } from '../../runtime/plan/capabilities.js';
import type { ContainerConfig } from './config.js';

/** docker's default capabilities (moby oci/caps/defaults.go). */
export const DOCKER_DEFAULT_CAPS = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

export interface SpecInputs {
  id: string;
  config: ContainerConfig;
  image: ImageConfig;
  /** The mounted rootfs (read to resolve users). */
  rootfs: string;
  /** Path of the network namespace to join; undefined with --network host. */
  netns?: string;
  /** Path of the user namespace to join (--user-ns auto). */
  userns?: string;
  /** Files written for the container, bind-mounted over /etc/hosts, /etc/resolv.conf, /etc/hostname. */
  etcFiles?: { hosts: string; resolvConf: string; hostname: string };
  /** Host directories of named volumes, by name. */
  volumeDir: (name: string) => string;
  cgroupsPath: string;
}

function capName(c: string): string {
  const up = c.toUpperCase();
  return up.startsWith('CAP_') ? up : `CAP_${up}`;
}

/** docker's --cap-add/--cap-drop, including ALL. */
export function effectiveCaps(add: string[], drop: string[]): string[] {
  const all = readAllCaps();
  let caps = new Set(DOCKER_DEFAULT_CAPS);
  const adds = add.map(capName);
  const drops = drop.map(capName);
  if (adds.includes('CAP_ALL')) caps = new Set(all);
  for (const c of adds) if (c !== 'CAP_ALL') caps.add(c);
  if (drops.includes('CAP_ALL')) caps.clear();
  for (const c of drops) caps.delete(c);
  for (const c of adds) if (c !== 'CAP_ALL' && drops.includes('CAP_ALL')) caps.add(c);
  return [...caps].sort();
}

function readAllCaps(): string[] {
  let last = CAP_NAMES.length - 1;
  try {
    last = Math.min(last, Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8')));
  } catch {
    // keep the list
  }
  return CAP_NAMES.slice(0, last + 1);
}

/** The hull process's own RLIMIT_NOFILE: a container never asks for more than its creator has. */
function nofileLimit(): { soft: number; hard: number } {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const m = line && /(\d+)\s+(\d+)/.exec(line);
    if (m) {
      const hard = Number(m[2]);
      return { soft: Math.min(hard, 1048576), hard };
    }
  } catch {
    // fall through
  }
  return { soft: 1024, hard: 1024 };
}

function userMounts(inputs: SpecInputs): SpecMount[] {
  return inputs.config.mounts.map((m) => {
    if (m.type === 'tmpfs') {
      return {
        destination: m.destination,
        type: 'tmpfs',
        source: 'tmpfs',
        options: ['nosuid', 'nodev', ...(m.readonly ? ['ro'] : []), ...(m.options ?? [])],
      };
    }
    const source = m.type === 'volume' ? inputs.volumeDir(m.source) : m.source;
    return { destination: m.destination, type: 'bind', source, options: ['rbind', m.readonly ? 'ro' : 'rw'] };
  });
}

export function buildSpec(inputs: SpecInputs): RuntimeSpec {
  const { config } = inputs;
  const image: ImageConfig = {
    ...inputs.image,
    config: {
      ...(inputs.image.config ?? {}),
      ...(config.entrypoint !== undefined ? { Entrypoint: config.entrypoint, Cmd: config.cmd ?? [] } : {}),
      ...(config.entrypoint === undefined && config.cmd !== undefined ? { Cmd: config.cmd } : {}),
      ...(config.workdir ? { WorkingDir: config.workdir } : {}),
      ...(config.user !== undefined ? { User: config.user } : {}),
    },
  };
  const spec = convertImageConfig(image, inputs.rootfs, { terminal: config.tty, volumes: 'tmpfs' });
  const proc = spec.process;
  const linux = spec.linux;
  if (!proc || !linux) throw new Error('convertImageConfig returned no process');
  if (!proc.args?.length) {
    throw new HullError('NO_COMMAND', `no command specified: image ${config.imageRef} has neither Entrypoint nor Cmd`);
  }
  // The user again, for additional groups of an overridden --user.
  if (config.user !== undefined) resolveUser(config.user, inputs.rootfs);
  for (const kv of config.env) {
    const name = kv.split('=', 1)[0] ?? kv;
    proc.env = [...(proc.env ?? []).filter((e) => e.split('=', 1)[0] !== name), kv];
  }
  if (config.tty && !(proc.env ?? []).some((e) => e.startsWith('TERM=')))
    proc.env = [...(proc.env ?? []), 'TERM=xterm'];
  if (!config.tty) proc.env = (proc.env ?? []).filter((e) => e !== 'TERM=xterm');
  const caps = effectiveCaps(config.capAdd, config.capDrop);
  proc.capabilities = { bounding: caps, effective: caps, permitted: caps };
  proc.noNewPrivileges = false;
  const nofile = nofileLimit();
  proc.rlimits = [{ type: 'RLIMIT_NOFILE', soft: nofile.soft, hard: nofile.hard }];
  spec.root = { path: 'rootfs', readonly: config.readOnly };
  spec.hostname = config.hostname ?? inputs.id.slice(0, 12);

  linux.namespaces = (linux.namespaces ?? []).filter((n) => n.type !== 'network');
  if (inputs.netns) linux.namespaces.push({ type: 'network', path: inputs.netns });
  if (config.network === 'host') {
    // docker --network host: the host's /sys as well (no sysfs of a foreign network namespace).
    spec.hostname = undefined;
    linux.namespaces = linux.namespaces.filter((n) => n.type !== 'uts');
  }
  if (config.idMap) {
    // --user-ns auto: root in the container is the first id of its range (userns.ts).
    const { uid, gid, size } = config.idMap;
    // Joined, not made: the engine made it for the idmapped layers (userns.ts). The mappings
    // are the ones it has; runtimes read them to know who the container's root is.
    linux.namespaces = linux.namespaces.filter((n) => n.type !== 'user');
    linux.namespaces.push({ type: 'user', path: inputs.userns });
    linux.uidMappings = [{ containerID: 0, hostID: uid, size }];
    linux.gidMappings = [{ containerID: 0, hostID: gid, size }];
  }
  linux.cgroupsPath = inputs.cgroupsPath;
  linux.resources = linux.resources ?? {};
  if (config.memory !== undefined) linux.resources.memory = { limit: config.memory };
  if (config.cpus !== undefined) {
    const period = 100000;
    linux.resources.cpu = { quota: Math.round(config.cpus * period), period };
  }
  if (config.pidsLimit !== undefined) linux.resources.pids = { limit: config.pidsLimit };

  if (config.seccomp && config.seccomp !== 'unconfined') {
    let profile: unknown;
    try {
      profile = JSON.parse(readFileSync(config.seccomp, 'utf8'));
    } catch (err) {
      throw new HullError('INVALID', `--security-opt seccomp=${config.seccomp}: ${(err as Error).message}`, {
        file: config.seccomp,
      });
    }
    linux.seccomp = profile;
  }

  const mounts = [...(spec.mounts ?? [])];
  if (inputs.etcFiles) {
    for (const [dest, src] of [
      ['/etc/hosts', inputs.etcFiles.hosts],
      ['/etc/resolv.conf', inputs.etcFiles.resolvConf],
      ['/etc/hostname', inputs.etcFiles.hostname],
    ] as const) {
      mounts.push({ destination: dest, type: 'bind', source: src, options: ['rbind', 'rw'] });
    }
  }
  mounts.push(...userMounts(inputs));
  if (config.network === 'host') {
    for (const m of mounts) {
      if (m.destination === '/sys')
        Object.assign(m, { type: 'bind', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] });
    }
  }
  spec.mounts = mounts;
  spec.annotations = { ...(spec.annotations ?? {}), ...config.labels };
  // Runtimes before runtime-spec 1.2 refuse a newer ociVersion by prefix (crun 1.8: "unknown
  // version specified"); every field written here is in 1.0.2, which podman claims as well.
  if (!['', 'hull', 'hull-runtime'].includes(config.runtime)) spec.ociVersion = '1.0.2-dev';
  return spec;
}
