/**
 * A container's side of networking: `--network none` (its own namespace, only lo), `host` (the
 * host's), or bridge networks through CNI (src/engine/network). The result is kept in
 * network.json in the container's run-time directory, for inspect and for the DEL at cleanup.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Engine } from '../engine.js';
import type { ContainerConfig } from './config.js';

export interface EtcFiles {
  hosts: string;
  resolvConf: string;
  hostname: string;
}

export interface ContainerNetworking {
  netns?: string;
  networks: string[];
  ips: string[];
  result?: unknown;
}

/** docker's `bridge` is the engine's default network. */
export function networksOf(config: ContainerConfig): string[] {
  if (config.network === 'none' || config.network === 'host') return [];
  return [config.network === 'bridge' || config.network === 'default' ? 'hull' : config.network];
}

export async function setupContainerNetwork(
  engine: Engine,
  id: string,
  name: string,
  config: ContainerConfig,
  /** A network namespace made already (inside the container's user namespace, userns.ts). */
  made?: string,
): Promise<ContainerNetworking> {
  if (config.network === 'host') return { networks: [], ips: [] };
  // The namespace module alone for --network none: the CNI side (plugins, iptables,
  // node:child_process) loads only for a container on a network (bench/run.ts).
  const ns = await import('../network/netns.js');
  const netns = made ?? ns.createNetns(id);
  const networks = networksOf(config);
  if (!networks.length) return { netns, networks, ips: [] };
  const net = await import('../network/index.js');
  try {
    if (networks.includes('hull')) net.ensureDefaultNetwork(engine.paths.root);
    const result = await net.setupNetworks({
      root: engine.paths.root,
      containerId: id,
      netns,
      networks,
      ports: config.ports,
      aliases: [name],
    });
    return { netns, networks, ips: result.ips, result };
  } catch (err) {
    net.removeNetns(id);
    throw err;
  }
}

export async function teardownContainerNetwork(engine: Engine, id: string, config: ContainerConfig): Promise<void> {
  if (config.network === 'host') return;
  const netns = `/run/hull/netns/${id}`;
  const networks = networksOf(config);
  if (networks.length) {
    const net = await import('../network/index.js');
    await net.teardownNetworks({ root: engine.paths.root, containerId: id, netns, networks, ports: config.ports });
  }
  (await import('../network/netns.js')).removeNetns(id);
}

export async function writeEtcFiles(dir: string, hostname: string, ips: string[], network: string): Promise<EtcFiles> {
  const files = { hosts: join(dir, 'hosts'), resolvConf: join(dir, 'resolv.conf'), hostname: join(dir, 'hostname') };
  writeFileSync(files.hostname, `${hostname}\n`);
  if (network === 'host') {
    // docker --network host: the host's own files, copied (a bind of the host's would let the
    // container edit them).
    writeFileSync(files.hosts, readOr('/etc/hosts'));
    writeFileSync(files.resolvConf, readOr('/etc/resolv.conf'));
    return files;
  }
  const net = await import('../network/etc-files.js');
  net.writeHosts(files.hosts, { hostname, ips });
  net.writeResolvConf(files.resolvConf);
  return files;
}

function readOr(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
