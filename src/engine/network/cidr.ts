/**
 * IPv4 and IPv6 addresses and prefixes as bigints: enough arithmetic to validate `--subnet` and
 * `--gateway`, find overlaps between networks and with the host's routes, and pick a free /24.
 */
import { isIPv4, isIPv6 } from 'node:net';

export interface Cidr {
  family: 4 | 6;
  /** The network address (host bits zero). */
  network: bigint;
  prefix: number;
}

const bitsOf = (family: 4 | 6) => (family === 4 ? 32 : 128);

export function parseIp(text: string): { family: 4 | 6; value: bigint } | undefined {
  if (isIPv4(text)) {
    const value = text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
    return { family: 4, value };
  }
  if (!isIPv6(text)) return undefined;
  let s = text;
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hex groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const n = parseIp(v4[1] as string)?.value ?? 0n;
    s = `${s.slice(0, -(v4[1] as string).length)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = s.includes('::') ? (s.split('::') as [string, string]) : [s, undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? 0 : 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array(zeros).fill('0'), ...tailGroups];
  const value = groups.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g, 16)), 0n);
  return { family: 6, value };
}

export function formatIp(family: 4 | 6, value: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => ((value >> s) & 0xffn).toString()).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - i * 16)) & 0xffffn));
  // RFC 5952: the longest run (of two or more) of zero groups becomes '::'.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

function mask(family: 4 | 6, prefix: number): bigint {
  const bits = bitsOf(family);
  return ((1n << BigInt(bits)) - 1n) ^ ((1n << BigInt(bits - prefix)) - 1n);
}

/**
 * Parses `ADDR/PREFIX`. With `strict`, host bits must be zero (docker refuses 10.1.2.3/24 for
 * a subnet the same way); the error names what the subnet should have been.
 */
export function parseCidr(text: string, strict = true): Cidr {
  const slash = text.indexOf('/');
  const ip = slash > 0 ? parseIp(text.slice(0, slash)) : undefined;
  const prefixText = slash > 0 ? text.slice(slash + 1) : '';
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : Number.NaN;
  if (!ip || !(prefix >= 0 && prefix <= bitsOf(ip.family)))
    throw new Error(`'${text}' is not a CIDR subnet (ADDRESS/PREFIX, e.g. 10.89.1.0/24)`);
  const network = ip.value & mask(ip.family, prefix);
  if (strict && network !== ip.value)
    throw new Error(`'${text}' has host bits set; the subnet is ${formatCidr({ family: ip.family, network, prefix })}`);
  return { family: ip.family, network, prefix };
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c.family, c.network)}/${c.prefix}`;
}

export function lastAddress(c: Cidr): bigint {
  return c.network | ((1n << BigInt(bitsOf(c.family) - c.prefix)) - 1n);
}

export function contains(c: Cidr, family: 4 | 6, value: bigint): boolean {
  return family === c.family && (value & mask(c.family, c.prefix)) === c.network;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  if (a.family !== b.family) return false;
  const prefix = Math.min(a.prefix, b.prefix);
  const m = mask(a.family, prefix);
  return (a.network & m) === (b.network & m);
}

/** The first usable address (network + 1): the default gateway, as docker and podman choose it. */
export function firstHost(c: Cidr): string {
  return formatIp(c.family, c.network + 1n);
}
