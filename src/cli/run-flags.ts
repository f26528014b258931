/**
 * docker run's flags (shared by `hull run` and `hull create`) and their translation into a
 * ContainerConfig. Values are checked here, so a bad flag fails before anything is made.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import type { ContainerConfig, MountRequest } from '../engine/containers/config.js';
import { parseUserNs, type UserNsRequest } from '../engine/containers/userns.js';
import { flag, listOption, stringOption } from './args.js';
import { type OptionSpec, type ParsedCommand, UsageError } from './command.js';
import { rootOption } from './engine-command.js';
import { keyValues, parseBytes } from './parse-values.js';

export const runOptions: Record<string, OptionSpec> = {
  root: rootOption,
  name: { type: 'string', description: 'assign a name to the container', valueName: 'NAME' },
  env: { type: 'string', short: 'e', multiple: true, description: 'set an environment variable', valueName: 'K=V' },
  'env-file': { type: 'string', multiple: true, description: 'read environment variables from a file', valueName: 'F' },
  workdir: { type: 'string', short: 'w', description: 'working directory inside the container', valueName: 'DIR' },
  user: { type: 'string', short: 'u', description: 'user (name|uid[:group|gid])', valueName: 'USER' },
  volume: {
    type: 'string',
    short: 'v',
    multiple: true,
    description: 'bind mount or volume',
    valueName: 'SRC:DST[:ro]',
  },
  tmpfs: { type: 'string', multiple: true, description: 'mount a tmpfs', valueName: 'PATH[:OPTS]' },
  'read-only': { type: 'boolean', description: "mount the container's root filesystem read-only" },
  network: { type: 'string', description: 'none, host, bridge (default) or a network name', valueName: 'NET' },
  net: { type: 'string', description: 'alias of --network', valueName: 'NET' },
  publish: {
    type: 'string',
    short: 'p',
    multiple: true,
    description: 'publish a port',
    valueName: '[IP:]HOST:CTR[/udp]',
  },
  hostname: { type: 'string', description: 'container host name', valueName: 'H' },
  memory: { type: 'string', short: 'm', description: 'memory limit (e.g. 512m)', valueName: 'BYTES' },
  cpus: { type: 'string', description: 'number of CPUs (e.g. 1.5)', valueName: 'N' },
  'pids-limit': { type: 'string', description: 'process limit', valueName: 'N' },
  'cap-add': { type: 'string', multiple: true, description: 'add a capability', valueName: 'CAP' },
  'cap-drop': { type: 'string', multiple: true, description: 'drop a capability', valueName: 'CAP' },
  'security-opt': { type: 'string', multiple: true, description: 'seccomp=FILE|unconfined', valueName: 'OPT' },
  'user-ns': {
    type: 'string',
    description: 'host (default), or auto[:size=N]: a user namespace of its own (ids from /etc/subuid)',
    valueName: 'MODE',
  },
  userns: { type: 'string', description: 'alias of --user-ns', valueName: 'MODE' },
  interactive: { type: 'boolean', short: 'i', description: 'keep STDIN open' },
  tty: { type: 'boolean', short: 't', description: 'allocate a pseudo-TTY' },
  entrypoint: { type: 'string', description: "override the image's ENTRYPOINT", valueName: 'CMD' },
  runtime: { type: 'string', description: 'hull-runtime (default), runc, crun or a path', valueName: 'R' },
  label: { type: 'string', short: 'l', multiple: true, description: 'set a label', valueName: 'K=V' },
  'stop-signal': { type: 'string', description: 'signal to stop the container', valueName: 'SIG' },
  'stop-timeout': { type: 'string', description: 'seconds to wait before killing', valueName: 'N' },
  'log-driver': { type: 'string', description: 'json-file (default) or k8s-file', valueName: 'D' },
  pull: { type: 'string', description: 'missing (default), always or never', valueName: 'POLICY' },
  rm: { type: 'boolean', description: 'remove the container when it exits' },
};

function positiveInt(text: string, what: string): number {
  if (!/^-?\d+$/.test(text)) throw new UsageError(`invalid ${what} '${text}': expected an integer`);
  return Number(text);
}

function parseVolume(spec: string): MountRequest {
  const parts = spec.split(':');
  if (parts.length === 1) {
    if (!isAbsolute(spec)) throw new UsageError(`invalid volume '${spec}': the container path must be absolute`);
    // An anonymous volume, as docker makes for `-v /data`.
    return { type: 'volume', source: '', destination: spec, readonly: false };
  }
  const [source = '', destination = '', mode = 'rw'] = parts;
  if (parts.length > 3 || !destination) throw new UsageError(`invalid volume '${spec}': expected SRC:DST[:ro|rw]`);
  if (!isAbsolute(destination)) throw new UsageError(`invalid volume '${spec}': the container path must be absolute`);
  const opts = mode.split(',');
  for (const o of opts) {
    if (!['ro', 'rw', 'z', 'Z'].includes(o)) throw new UsageError(`invalid volume '${spec}': unknown mode '${o}'`);
  }
  const readonly = opts.includes('ro');
  if (isAbsolute(source)) return { type: 'bind', source, destination, readonly };
  if (source.startsWith('.')) throw new UsageError(`invalid volume '${spec}': a host path must be absolute`);
  return { type: 'volume', source, destination, readonly };
}

function parseTmpfs(spec: string): MountRequest {
  const i = spec.indexOf(':');
  const destination = i < 0 ? spec : spec.slice(0, i);
  if (!isAbsolute(destination)) throw new UsageError(`invalid --tmpfs '${spec}': the path must be absolute`);
  const options =
    i < 0
      ? []
      : spec
          .slice(i + 1)
          .split(',')
          .filter(Boolean);
  return { type: 'tmpfs', source: 'tmpfs', destination, readonly: false, options };
}

function readEnvFile(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`--env-file ${file}: ${(err as Error).message}`);
  }
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    out.push(t.includes('=') ? t : `${t}=${process.env[t] ?? ''}`);
  }
  return out;
}

export async function runConfig(
  args: ParsedCommand,
): Promise<{ config: ContainerConfig; name?: string; autoRemove: boolean; pull: 'missing' | 'always' | 'never' }> {
  const [image, ...cmd] = args.positionals as [string, ...string[]];
  const env = [...listOption(args, 'env-file').flatMap(readEnvFile)];
  for (const e of listOption(args, 'env')) env.push(e.includes('=') ? e : `${e}=${process.env[e] ?? ''}`);
  for (const e of env) if (e.startsWith('=')) throw new UsageError(`invalid environment variable '${e}'`);

  let seccomp: string | undefined;
  for (const o of listOption(args, 'security-opt')) {
    const m = /^seccomp[=:](.+)$/.exec(o);
    if (m) seccomp = m[1];
    else if (o === 'no-new-privileges' || o === 'no-new-privileges:true') continue;
    else throw new UsageError(`unsupported --security-opt '${o}' (seccomp=FILE|unconfined is supported)`);
  }
  let userNs: UserNsRequest;
  try {
    userNs = parseUserNs(stringOption(args, 'user-ns') ?? stringOption(args, 'userns') ?? 'host');
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const network = stringOption(args, 'network') ?? stringOption(args, 'net') ?? 'bridge';
  const ports: ContainerConfig['ports'] = [];
  const publish = listOption(args, 'publish');
  if (publish.length) {
    if (network === 'none' || network === 'host') throw new UsageError(`-p cannot be used with --network ${network}`);
    const { parsePublish } = await import('../engine/network/index.js');
    for (const p of publish) {
      try {
        ports.push(...parsePublish(p));
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
    }
  }
  const logDriver = stringOption(args, 'log-driver') ?? 'json-file';
  if (logDriver !== 'json-file' && logDriver !== 'k8s-file') {
    throw new UsageError(`--log-driver ${logDriver}: json-file and k8s-file are supported`);
  }
  const pull = stringOption(args, 'pull') ?? 'missing';
  if (pull !== 'missing' && pull !== 'always' && pull !== 'never') {
    throw new UsageError(`--pull ${pull}: expected missing, always or never`);
  }
  const entrypoint = stringOption(args, 'entrypoint');
  const cpus = stringOption(args, 'cpus');
  if (cpus !== undefined && !(Number(cpus) > 0))
    throw new UsageError(`invalid --cpus '${cpus}': expected a positive number`);
  const memory = stringOption(args, 'memory');
  const pidsLimit = stringOption(args, 'pids-limit');
  const stopTimeout = stringOption(args, 'stop-timeout');
  const name = stringOption(args, 'name');
  const config: ContainerConfig = {
    image,
    imageRef: image,
    entrypoint: entrypoint === undefined ? undefined : entrypoint === '' ? [] : [entrypoint],
    cmd: cmd.length ? cmd : undefined,
    env,
    workdir: stringOption(args, 'workdir'),
    user: stringOption(args, 'user'),
    tty: flag(args, 'tty'),
    interactive: flag(args, 'interactive'),
    hostname: stringOption(args, 'hostname'),
    mounts: [...listOption(args, 'volume').map(parseVolume), ...listOption(args, 'tmpfs').map(parseTmpfs)],
    readOnly: flag(args, 'read-only'),
    network,
    ports,
    memory: memory === undefined ? undefined : parseBytes(memory, '--memory'),
    cpus: cpus === undefined ? undefined : Number(cpus),
    pidsLimit: pidsLimit === undefined ? undefined : positiveInt(pidsLimit, '--pids-limit'),
    capAdd: listOption(args, 'cap-add'),
    capDrop: listOption(args, 'cap-drop'),
    seccomp,
    userNs: userNs.mode,
    userNsSize: userNs.size,
    runtime: stringOption(args, 'runtime') ?? 'hull-runtime',
    labels: keyValues(listOption(args, 'label'), '--label', { bare: true }),
    stopSignal: stringOption(args, 'stop-signal'),
    stopTimeout: stopTimeout === undefined ? undefined : positiveInt(stopTimeout, '--stop-timeout'),
    logDriver,
  };
  // Anonymous volumes get generated names, as docker's do.
  const { randomBytes } = await import('node:crypto');
  for (const m of config.mounts) if (m.type === 'volume' && !m.source) m.source = randomBytes(32).toString('hex');
  return { config, name, autoRemove: flag(args, 'rm'), pull };
}
