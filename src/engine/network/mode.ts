/**
 * docker's `--network` values: `none` (own namespace, only lo), `host` (the host's namespace),
 * `bridge` or `default` (hull's default network, "hull"), or network names, one per flag
 * (docker 25 and podman take several). none and host stand alone.
 */
import { HullError } from '../../errors.js';
import { DEFAULT_NETWORK } from './conflist.js';

export interface NetworkMode {
  mode: 'none' | 'host' | 'bridge';
  /** The networks to attach, for mode 'bridge'. */
  networks: string[];
}

export function parseNetworkMode(values: string[]): NetworkMode {
  const given = values.flatMap((v) => v.split(',')).map((v) => v.trim());
  if (!given.length) return { mode: 'bridge', networks: [DEFAULT_NETWORK] };
  for (const alone of ['none', 'host'] as const) {
    if (!given.includes(alone)) continue;
    if (given.length > 1)
      throw new HullError('INVALID_NETWORK_MODE', `--network ${alone} cannot be combined with other networks`);
    return { mode: alone, networks: [] };
  }
  const bad = given.find((v) => v === '' || v.startsWith('container:') || v.startsWith('ns:'));
  if (bad !== undefined) throw new HullError('INVALID_NETWORK_MODE', `--network '${bad}' is not supported`);
  const networks = [...new Set(given.map((v) => (v === 'bridge' || v === 'default' ? DEFAULT_NETWORK : v)))];
  return { mode: 'bridge', networks };
}
