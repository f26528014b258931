/**
 * The host's routes, read from procfs (no `ip` process): a new network's subnet must not
 * overlap one the host already routes, as podman checks, or its containers could not reach
 * that part of the world (or the host would route them into the wrong place).
 */
import { readFileSync } from 'node:fs';
import type { Cidr } from './cidr.js';

export interface HostRoute {
  cidr: Cidr;
  dev: string;
}

function readOr(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Non-default routes of the main table (the default route overlaps everything by design). */
export function hostRoutes(): HostRoute[] {
  const out: HostRoute[] = [];
  // /proc/net/route: Iface Destination Gateway Flags RefCnt Use Metric Mask ...; little-endian hex.
  for (const line of readOr('/proc/net/route').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const le = (hex: string) => Buffer.from(hex, 'hex').readUInt32LE(0);
    const dest = BigInt(le(f[1] as string));
    const maskBits = le(f[7] as string)
      .toString(2)
      .split('')
      .filter((b) => b === '1').length;
    if (maskBits === 0) continue;
    out.push({ cidr: { family: 4, network: dest, prefix: maskBits }, dev: f[0] as string });
  }
  // /proc/net/ipv6_route: dest(32 hex) prefix(hex) src srcprefix nexthop metric ref use flags dev.
  for (const line of readOr('/proc/net/ipv6_route').split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const prefix = Number.parseInt(f[1] as string, 16);
    const dest = BigInt(`0x${f[0]}`);
    // Link-local, multicast and loopback routes exist on every host; they are not "taken".
    if (prefix === 0 || prefix === 128 || f[9] === 'lo') continue;
    if (dest >> 118n === 0x3fan || dest >> 120n === 0xffn) continue;
    out.push({ cidr: { family: 6, network: dest, prefix }, dev: f[9] as string });
  }
  return out;
}
