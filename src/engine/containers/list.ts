/** `hull ps` rows and `hull inspect` documents, in docker's shapes. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allContainers, type ContainerRecord } from '../db/containers.js';
import type { Engine } from '../engine.js';
import { containerDataDir, containerDir } from '../paths.js';
import type { ContainerNetworking } from './network.js';
import { refresh } from './status.js';

export function listContainers(engine: Engine, all: boolean): ContainerRecord[] {
  return allContainers(engine.db)
    .map((c) => refresh(engine, c))
    .filter((c) => all || c.state === 'running');
}

function ago(iso: string | undefined, now: number): string {
  if (!iso) return '';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 1) return 'Less than a second';
  if (s < 60) return `${s} second${s === 1 ? '' : 's'}`;
  const m = Math.round(s / 60);
  if (m < 60) return m === 1 ? 'About a minute' : `${m} minutes`;
  const h = Math.round(m / 60);
  if (h < 48) return h === 1 ? 'About an hour' : `${h} hours`;
  return `${Math.round(h / 24)} days`;
}

/** docker ps's STATUS column. */
export function statusText(c: ContainerRecord, now = Date.now()): string {
  switch (c.state) {
    case 'running':
      return `Up ${ago(c.startedAt, now)}`;
    case 'exited':
      return `Exited (${c.exitCode ?? -1}) ${ago(c.finishedAt, now)} ago`;
    case 'created':
      return 'Created';
    default:
      return c.state[0]?.toUpperCase() + c.state.slice(1);
  }
}

export function createdText(c: ContainerRecord, now = Date.now()): string {
  return `${ago(c.created, now)} ago`;
}

export function portsText(c: ContainerRecord): string {
  return c.config.ports
    .map((p) => `${p.hostIP ?? '0.0.0.0'}:${p.hostPort}->${p.containerPort}/${p.protocol}`)
    .join(', ');
}

function networking(engine: Engine, id: string): ContainerNetworking | undefined {
  try {
    return JSON.parse(
      readFileSync(join(containerDir(engine.paths, id), 'network.json'), 'utf8'),
    ) as ContainerNetworking;
  } catch {
    return undefined;
  }
}

/** docker inspect's container document (the fields scripts use). */
export function inspectContainer(engine: Engine, c: ContainerRecord): Record<string, unknown> {
  const net = networking(engine, c.id);
  const dir = containerDir(engine.paths, c.id);
  const ports: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  for (const p of c.config.ports) {
    const key = `${p.containerPort}/${p.protocol}`;
    ports[key] = [...(ports[key] ?? []), { HostIp: p.hostIP ?? '0.0.0.0', HostPort: String(p.hostPort) }];
  }
  return {
    Id: c.id,
    Created: c.created,
    Path: c.command[0] ?? '',
    Args: c.command.slice(1),
    State: {
      Status: c.state,
      Running: c.state === 'running',
      Paused: false,
      Dead: false,
      Pid: c.state === 'running' ? c.pid : 0,
      ExitCode: c.state === 'exited' ? (c.exitCode ?? -1) : 0,
      StartedAt: c.startedAt ?? '0001-01-01T00:00:00Z',
      FinishedAt: c.finishedAt ?? '0001-01-01T00:00:00Z',
    },
    Image: c.imageId,
    Name: `/${c.name}`,
    ResolvConfPath: join(dir, 'resolv.conf'),
    HostnamePath: join(dir, 'hostname'),
    HostsPath: join(dir, 'hosts'),
    LogPath: join(containerDataDir(engine.paths, c.id), 'ctr.log'),
    Driver: 'overlay',
    HostConfig: {
      AutoRemove: c.autoRemove,
      NetworkMode: c.config.network,
      Runtime: c.config.runtime,
      Memory: c.config.memory ?? 0,
      NanoCpus: c.config.cpus ? Math.round(c.config.cpus * 1e9) : 0,
      PidsLimit: c.config.pidsLimit ?? 0,
      ReadonlyRootfs: c.config.readOnly,
      CapAdd: c.config.capAdd,
      CapDrop: c.config.capDrop,
      LogConfig: { Type: c.config.logDriver },
    },
    Mounts: c.config.mounts.map((m) => ({
      Type: m.type,
      Source: m.source,
      Destination: m.destination,
      RW: !m.readonly,
    })),
    Config: {
      Hostname: c.config.hostname ?? c.id.slice(0, 12),
      Env: c.config.env,
      Cmd: c.config.cmd ?? null,
      Entrypoint: c.config.entrypoint ?? null,
      Image: c.config.image,
      WorkingDir: c.config.workdir ?? '',
      User: c.config.user ?? '',
      Tty: c.config.tty,
      OpenStdin: c.config.interactive,
      Labels: c.config.labels,
    },
    NetworkSettings: {
      IPAddress: net?.ips[0] ?? '',
      Ports: ports,
      Networks: Object.fromEntries((net?.networks ?? []).map((n, i) => [n, { IPAddress: net?.ips[i] ?? '' }])),
      SandboxKey: net?.netns ?? '',
    },
  };
}
