/**
 * The conflists hull writes (CNI SPEC.md section 1) and reads back. A network is
 *
 *   bridge (isGateway, ipMasq, hairpinMode) + host-local IPAM (ranges, routes; its default
 *   dataDir /var/lib/cni/networks/NAME) + portmap (the portMappings capability)
 *
 * as podman's CNI backend writes it. `--internal` drops the gateway role, masquerading, the
 * default route and portmap: containers reach each other and nothing else. The firewall plugin
 * is added per attachment only when the host's FORWARD policy would drop the traffic
 * (firewall.ts), and the conflist actually used is cached for the DEL (cache.ts).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HullError } from '../../errors.js';
import type { ConfList, NetworkInfo, PluginConf } from './types.js';

export const CNI_VERSION = '1.0.0';
export const DEFAULT_NETWORK = 'hull';
export const DEFAULT_BRIDGE = 'hull0';
/** docker's network modes (and podman's alias of the default): not names a network can take. */
export const RESERVED_NAMES = new Set(['none', 'host', 'bridge', 'default', 'container', 'private', 'slirp4netns']);

/** SPEC.md section 1 `name`: alphanumeric first, then alphanumerics, '_', '.', '-'. */
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export function checkNetworkName(name: string): void {
  if (!NAME.test(name) || name.length > 200)
    throw new HullError(
      'INVALID_NETWORK_NAME',
      `invalid network name '${name}': it must start with a letter or digit and contain only letters, digits, '_', '.' and '-' (cni SPEC.md section 1)`,
      { section: 'cni/SPEC.md#configuration-format' },
    );
}

export const networksDir = (root: string) => join(root, 'networks');
export const conflistPath = (root: string, name: string) => join(networksDir(root), `${name}.conflist`);
export const networkId = (name: string) => createHash('sha256').update(name).digest('hex');
/** docker's br-<id> in hull's name: 15 characters, the kernel's IFNAMSIZ-1. */
export const bridgeNameFor = (name: string) => `hull-${networkId(name).slice(0, 10)}`;

export interface BridgeOptions {
  name: string;
  bridge: string;
  subnet: string;
  gateway: string;
  internal: boolean;
}

export function buildConflist(o: BridgeOptions): ConfList {
  const bridge: PluginConf = {
    type: 'bridge',
    bridge: o.bridge,
    isGateway: !o.internal,
    ipMasq: !o.internal,
    hairpinMode: true,
    ipam: {
      type: 'host-local',
      ranges: [[{ subnet: o.subnet, gateway: o.gateway }]],
      routes: o.internal ? [] : [{ dst: o.subnet.includes(':') ? '::/0' : '0.0.0.0/0' }],
    },
  };
  const plugins: PluginConf[] = [bridge];
  if (!o.internal) plugins.push({ type: 'portmap', capabilities: { portMappings: true } });
  return { cniVersion: CNI_VERSION, name: o.name, plugins };
}

function invalid(file: string, jsonPath: string, why: string): HullError {
  return new HullError('INVALID_CONFLIST', `${file}: ${jsonPath}: ${why} (cni SPEC.md section 1)`, {
    file,
    jsonPath,
    section: 'cni/SPEC.md#configuration-format',
  });
}

/** Reads and checks a conflist against SPEC.md section 1 (the fields the runtime relies on). */
export function readConflist(file: string): ConfList {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw err;
    throw invalid(file, '$', `not JSON: ${(err as Error).message}`);
  }
  return checkConflist(value, file);
}

export function checkConflist(value: unknown, file: string): ConfList {
  const c = value as Partial<ConfList> | null;
  if (typeof c !== 'object' || c === null || Array.isArray(c)) throw invalid(file, '$', 'not a JSON object');
  if (typeof c.cniVersion !== 'string') throw invalid(file, '$.cniVersion', 'missing or not a string');
  if (typeof c.name !== 'string' || !NAME.test(c.name)) throw invalid(file, '$.name', 'missing or not a valid name');
  if (!Array.isArray(c.plugins) || c.plugins.length === 0) throw invalid(file, '$.plugins', 'missing or empty');
  c.plugins.forEach((p, i) => {
    if (typeof p !== 'object' || p === null) throw invalid(file, `$.plugins[${i}]`, 'not an object');
    if (typeof p.type !== 'string' || p.type === '' || p.type.includes('/'))
      throw invalid(file, `$.plugins[${i}].type`, 'missing, or not a plugin binary name');
  });
  return c as ConfList;
}

interface BridgeView {
  bridge?: string;
  isGateway?: boolean;
  ipam?: { ranges?: { subnet?: string; gateway?: string }[][]; subnet?: string; gateway?: string };
}

export function networkInfo(conf: ConfList, file: string): NetworkInfo {
  const first = (conf.plugins.find((p) => p.type === 'bridge') ?? conf.plugins[0]) as PluginConf & BridgeView;
  const range = first.ipam?.ranges?.[0]?.[0] ?? first.ipam ?? {};
  return {
    name: conf.name,
    id: networkId(conf.name),
    driver: 'bridge',
    bridge: first.bridge ?? 'cni0',
    subnet: range.subnet ?? '',
    ...(range.gateway ? { gateway: range.gateway } : {}),
    internal: first.isGateway !== true,
    file,
  };
}
