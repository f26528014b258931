/**
 * Named networks: one conflist per network under ROOT/networks (docs/engine.md#on-disk), made
 * and removed under an flock on that directory so two `hull network create` runs cannot both
 * take a name or a subnet. A conflist is written to a temp file and hard-linked into place, so
 * the name is taken atomically and no half-written network is ever visible.
 */
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { HullError } from '../../errors.js';
import { LOCK_EX, LOCK_UN, native } from '../../native.js';
import { listAttachments } from './cache.js';
import { type Cidr, contains, firstHost, formatCidr, lastAddress, overlaps, parseCidr, parseIp } from './cidr.js';
import {
  bridgeNameFor,
  buildConflist,
  checkNetworkName,
  conflistPath,
  DEFAULT_BRIDGE,
  DEFAULT_NETWORK,
  networkId,
  networkInfo,
  networksDir,
  RESERVED_NAMES,
  readConflist,
} from './conflist.js';
import { hostRoutes } from './host-routes.js';
import type { ConfList, NetworkInfo } from './types.js';

/** The default network's subnet; named networks take the next free 10.89.N.0/24, as podman's do. */
export const DEFAULT_SUBNET = '10.89.0.0/24';
/** Ranges no bridge may take (RFC 6890): this-network, loopback, link-local, multicast, reserved. */
const SPECIAL = [
  '0.0.0.0/8',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '224.0.0.0/4',
  '240.0.0.0/4',
  '::1/128',
  'fe80::/10',
  'ff00::/8',
];
const HOST_LOCAL_DATA_DIR = '/var/lib/cni/networks';

export interface CreateOptions {
  subnet?: string;
  gateway?: string;
  internal?: boolean;
}

function withNetworksLock<T>(root: string, fn: () => T): T {
  const dir = networksDir(root);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const fd = openSync(dir, 'r');
  try {
    native().flock(fd, LOCK_EX);
    try {
      return fn();
    } finally {
      native().flock(fd, LOCK_UN);
    }
  } finally {
    closeSync(fd);
  }
}

export function listNetworks(root: string): NetworkInfo[] {
  let names: string[];
  try {
    names = readdirSync(networksDir(root)).filter((n) => n.endsWith('.conflist') && !n.startsWith('.'));
  } catch {
    return [];
  }
  const out: NetworkInfo[] = [];
  for (const n of names.sort()) {
    const file = join(networksDir(root), n);
    try {
      out.push(networkInfo(readConflist(file), file));
    } catch {
      // A conflist someone broke by hand is not a network; `hull network rm` still removes it.
    }
  }
  return out;
}

/** The conflist of one network, or a NETWORK_NOT_FOUND error naming it. */
export function loadNetwork(root: string, name: string): ConfList {
  try {
    return readConflist(conflistPath(root, name));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new HullError('NETWORK_NOT_FOUND', `network '${name}' not found`);
    throw err;
  }
}

/** A network by name or by a unique prefix of its id (docker's `network rm ID`). */
export function resolveNetwork(root: string, nameOrId: string): NetworkInfo {
  const all = listNetworks(root);
  const byName = all.find((n) => n.name === nameOrId);
  if (byName) return byName;
  const byId = /^[0-9a-f]{1,64}$/.test(nameOrId) ? all.filter((n) => n.id.startsWith(nameOrId)) : [];
  if (byId.length === 1) return byId[0] as NetworkInfo;
  if (byId.length > 1)
    throw new HullError('NETWORK_AMBIGUOUS', `network id prefix '${nameOrId}' matches several networks`);
  throw new HullError('NETWORK_NOT_FOUND', `network '${nameOrId}' not found`);
}

function invalidOption(message: string): HullError {
  return new HullError('INVALID_NETWORK_OPTION', message);
}

function checkSubnet(text: string): Cidr {
  let c: Cidr;
  try {
    c = parseCidr(text);
  } catch (err) {
    throw invalidOption(`invalid --subnet: ${(err as Error).message}`);
  }
  const maxPrefix = c.family === 4 ? 30 : 126;
  if (c.prefix > maxPrefix)
    throw invalidOption(`invalid --subnet '${text}': a /${c.prefix} leaves no room for a gateway and containers`);
  if (c.prefix < 8) throw invalidOption(`invalid --subnet '${text}': a /${c.prefix} is larger than any bridge needs`);
  const special = SPECIAL.find((s) => overlaps(c, parseCidr(s)));
  if (special) throw invalidOption(`invalid --subnet '${text}': it overlaps the reserved range ${special} (RFC 6890)`);
  return c;
}

function checkGateway(text: string, subnet: Cidr): string {
  const ip = parseIp(text);
  if (!ip) throw invalidOption(`invalid --gateway '${text}': not an IP address`);
  if (!contains(subnet, ip.family, ip.value))
    throw invalidOption(`invalid --gateway '${text}': not inside the subnet ${formatCidr(subnet)}`);
  if (ip.value === subnet.network || (subnet.family === 4 && ip.value === lastAddress(subnet)))
    throw invalidOption(`invalid --gateway '${text}': the network or broadcast address of ${formatCidr(subnet)}`);
  return text;
}

/** The first subnet that overlaps `c`: another network of this root's, or a route of the host's. */
function overlapping(root: string, c: Cidr, ownBridge: string): string | undefined {
  for (const n of listNetworks(root)) {
    if (!n.subnet) continue;
    let other: Cidr;
    try {
      other = parseCidr(n.subnet, false);
    } catch {
      continue;
    }
    if (overlaps(c, other)) return `network '${n.name}' (${n.subnet})`;
  }
  for (const r of hostRoutes()) {
    if (r.dev === ownBridge) continue;
    if (overlaps(c, r.cidr)) return `the host's route ${formatCidr(r.cidr)} on ${r.dev}`;
  }
  return undefined;
}

function pickSubnet(root: string, bridge: string, reserveDefault: boolean): Cidr {
  const base = parseCidr(DEFAULT_SUBNET);
  const defaultCidr = base;
  for (let n = reserveDefault ? 1 : 0; n < 256; n++) {
    const c: Cidr = { family: 4, network: base.network + BigInt(n) * 256n, prefix: 24 };
    if (reserveDefault && overlaps(c, defaultCidr)) continue;
    if (!overlapping(root, c, bridge)) return c;
  }
  throw new HullError('NO_FREE_SUBNET', 'no free subnet left in 10.89.0.0/16; give one with --subnet');
}

function writeConflist(root: string, conf: ConfList): void {
  const final = conflistPath(root, conf.name);
  const tmp = join(networksDir(root), `.${conf.name}.${process.pid}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(conf, null, 2)}\n`, { mode: 0o644 });
  try {
    linkSync(tmp, final);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST')
      throw new HullError('NETWORK_EXISTS', `network name '${conf.name}' is already in use`);
    throw err;
  } finally {
    unlinkSync(tmp);
  }
}

function create(root: string, name: string, o: CreateOptions, isDefault: boolean): NetworkInfo {
  checkNetworkName(name);
  if (!isDefault && (RESERVED_NAMES.has(name) || name === DEFAULT_NETWORK))
    throw new HullError(
      'NETWORK_EXISTS',
      name === DEFAULT_NETWORK
        ? `network name '${name}' is the default network's`
        : `network name '${name}' is reserved (a --network mode)`,
    );
  if (o.gateway !== undefined && o.subnet === undefined) throw invalidOption('--gateway needs --subnet');
  return withNetworksLock(root, () => {
    if (existsSync(conflistPath(root, name)))
      throw new HullError('NETWORK_EXISTS', `network name '${name}' is already in use`);
    const bridge = isDefault ? DEFAULT_BRIDGE : bridgeNameFor(name);
    let subnet: Cidr;
    if (o.subnet !== undefined) {
      subnet = checkSubnet(o.subnet);
      const clash = overlapping(root, subnet, bridge);
      if (clash) throw invalidOption(`subnet ${formatCidr(subnet)} overlaps ${clash}`);
    } else if (isDefault) {
      const c = parseCidr(DEFAULT_SUBNET);
      subnet = overlapping(root, c, bridge) ? pickSubnet(root, bridge, false) : c;
    } else {
      subnet = pickSubnet(root, bridge, true);
    }
    const gateway = o.gateway !== undefined ? checkGateway(o.gateway, subnet) : firstHost(subnet);
    const conf = buildConflist({ name, bridge, subnet: formatCidr(subnet), gateway, internal: o.internal === true });
    writeConflist(root, conf);
    return networkInfo(conf, conflistPath(root, name));
  });
}

export function createNetwork(root: string, name: string, o: CreateOptions = {}): NetworkInfo {
  return create(root, name, o, false);
}

/** The default network "hull" on bridge hull0, 10.89.0.0/24 unless the host already routes that. */
export function ensureDefaultNetwork(root: string): void {
  if (existsSync(conflistPath(root, DEFAULT_NETWORK))) return;
  try {
    create(root, DEFAULT_NETWORK, {}, true);
  } catch (err) {
    if (!(err instanceof HullError && err.code === 'NETWORK_EXISTS')) throw err; // a racing hull made it
  }
}

/**
 * Removes a network: refused while a container uses it (the caller's `inUse`, and any attachment
 * the CNI cache still records). The bridge goes too once nothing is plugged into it, and
 * host-local's data directory once it holds no lease.
 */
export function removeNetwork(root: string, name: string, inUse?: (name: string) => boolean): void {
  if (name === DEFAULT_NETWORK)
    throw new HullError('NETWORK_DEFAULT', `'${name}' is the default network and cannot be removed`);
  withNetworksLock(root, () => {
    const file = conflistPath(root, name);
    let info: NetworkInfo | undefined;
    try {
      info = networkInfo(readConflist(file), file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT')
        throw new HullError('NETWORK_NOT_FOUND', `network '${name}' not found`);
      // A broken conflist is still removed: there is nothing in it to clean up after.
    }
    const users = listAttachments(root)
      .filter((a) => a.networkName === name)
      .map((a) => a.containerId.slice(0, 12));
    if (inUse?.(name) || users.length)
      throw new HullError(
        'NETWORK_IN_USE',
        `network '${name}' is in use${users.length ? ` by container ${[...new Set(users)].join(', ')}` : ''}; remove its containers first`,
      );
    rmSync(file);
    if (info) removeBridge(info.bridge);
    removeIdleLeases(name);
  });
}

function removeBridge(bridge: string): void {
  const sys = `/sys/class/net/${bridge}`;
  if (!existsSync(sys)) return;
  try {
    if (readdirSync(join(sys, 'brif')).length) return; // something still plugged in
  } catch {
    return; // not a bridge: not ours to delete
  }
  try {
    execFileSync('ip', ['link', 'del', bridge], { stdio: 'pipe' });
  } catch {
    // already gone
  }
}

function removeIdleLeases(name: string): void {
  const dir = join(HOST_LOCAL_DATA_DIR, name);
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  // host-local keeps `lock` and `last_reserved_ip.N` besides one file per leased address.
  if (entries.every((e) => e === 'lock' || e.startsWith('last_reserved_ip')))
    rmSync(dir, { recursive: true, force: true });
}

export { networkId };
