/**
 * docker's `-p/--publish` grammar, as go-connections' nat.ParsePortSpec reads it:
 *
 *   [IP:][HOSTPORT:]CTRPORT[/PROTO]      PORT is N or N-M; IPv6 IPs in brackets, [::1]:80:80
 *
 * A container range maps onto a host range of the same length; a single container port with a
 * host range (8000-8010:80) takes one free port from that range; no host port (`80`,
 * `127.0.0.1::80`) takes any free port. Both are resolved when the container starts.
 */
import { isIP } from 'node:net';
import { HullError } from '../../errors.js';
import type { PortMapping } from './types.js';

function publishError(spec: string, why: string): HullError {
  return new HullError('INVALID_PUBLISH', `invalid port spec '${spec}' for -p/--publish: ${why}`);
}

function parseRange(text: string, spec: string, what: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!m) throw publishError(spec, `${what} '${text}' is not a port or a range N-M`);
  const start = Number(m[1]);
  const end = m[2] === undefined ? start : Number(m[2]);
  for (const p of [start, end])
    if (!(p >= 1 && p <= 65535)) throw publishError(spec, `${what} ${p} is outside 1-65535`);
  if (end < start) throw publishError(spec, `${what} range '${text}' ends before it starts`);
  return [start, end];
}

/** splitParts from go-connections: the last two ':'-fields are ports, anything before is the IP. */
function splitParts(raw: string): [string, string, string] {
  const parts = raw.split(':');
  const n = parts.length;
  const container = parts[n - 1] as string;
  if (n === 1) return ['', '', container];
  if (n === 2) return ['', parts[0] as string, container];
  return [parts.slice(0, n - 2).join(':'), parts[n - 2] as string, container];
}

export function parsePublish(spec: string): PortMapping[] {
  let [ip, hostPart, containerPart] = splitParts(spec.trim());
  const slash = containerPart.indexOf('/');
  let protocol = 'tcp';
  if (slash >= 0) {
    protocol = containerPart.slice(slash + 1).toLowerCase();
    containerPart = containerPart.slice(0, slash);
  }
  if (protocol === 'sctp') throw publishError(spec, 'sctp is not supported (tcp or udp)');
  if (protocol !== 'tcp' && protocol !== 'udp') throw publishError(spec, `unknown protocol '${protocol}' (tcp or udp)`);
  if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
  if (ip !== '' && !isIP(ip)) throw publishError(spec, `'${ip}' is not an IP address`);
  if (containerPart === '') throw publishError(spec, 'no container port');
  const [cStart, cEnd] = parseRange(containerPart, spec, 'container port');
  // 0.0.0.0 is docker's "every address": portmap's rule without -d.
  const hostIP = ip === '' || ip === '0.0.0.0' ? undefined : ip;
  const base = (containerPort: number, hostPort: number, hostPortEnd?: number): PortMapping => ({
    ...(hostIP ? { hostIP } : {}),
    hostPort,
    ...(hostPortEnd !== undefined && hostPortEnd !== hostPort ? { hostPortEnd } : {}),
    containerPort,
    protocol: protocol as 'tcp' | 'udp',
  });
  if (hostPart === '') {
    const out: PortMapping[] = [];
    for (let p = cStart; p <= cEnd; p++) out.push(base(p, 0));
    return out;
  }
  const [hStart, hEnd] = parseRange(hostPart, spec, 'host port');
  if (cStart === cEnd) return [base(cStart, hStart, hEnd)];
  if (hEnd - hStart !== cEnd - cStart)
    throw publishError(spec, `host range ${hostPart} and container range ${containerPart} differ in length`);
  const out: PortMapping[] = [];
  for (let i = 0; i <= cEnd - cStart; i++) out.push(base(cStart + i, hStart + i));
  return out;
}

export function formatPort(p: PortMapping): string {
  const ip = p.hostIP ? (p.hostIP.includes(':') ? `[${p.hostIP}]:` : `${p.hostIP}:`) : '';
  const host = p.hostPortEnd ? `${p.hostPort}-${p.hostPortEnd}` : p.hostPort ? String(p.hostPort) : '';
  return `${ip}${host}:${p.containerPort}/${p.protocol}`;
}
