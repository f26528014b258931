/**
 * Resolving published ports before any CNI ADD, so "port already taken" is one clear error with
 * nothing set up. portmap only writes DNAT rules and never binds, so a port is taken when
 *  - a host socket is bound to it (docker-proxy, a host service): hull binds it for a moment;
 *  - some container already has a DNAT rule for it (hull's, podman's, docker's): read from the
 *    nat table;
 *  - it appears twice in this container's own list.
 * Port 0 and host ranges (docker's dynamic ports) take a free port the same way.
 */
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { HullError } from '../../errors.js';
import { type DnatPort, dnatPorts } from './iptables.js';
import { formatPort } from './publish.js';
import type { PortMapping } from './types.js';

function tryBind(protocol: 'tcp' | 'udp', host: string, port: number): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    if (protocol === 'udp') {
      const s = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4' });
      s.once('error', (err) => {
        s.close();
        resolve(err as NodeJS.ErrnoException);
      });
      s.bind({ port, address: host, exclusive: true }, () => s.close(() => resolve(undefined)));
      return;
    }
    const srv = createServer();
    srv.once('error', (err) => resolve(err as NodeJS.ErrnoException));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(undefined)));
  });
}

function sameAddress(a: string | undefined, b: string | undefined): boolean {
  return a === undefined || b === undefined || a === b;
}

function ephemeralRange(): [number, number] {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (lo && hi && lo <= hi) return [lo, hi];
  } catch {
    // not Linux procfs
  }
  return [32768, 60999];
}

export async function resolveHostPorts(ports: PortMapping[]): Promise<PortMapping[]> {
  if (!ports.length) return [];
  const dnat: DnatPort[] = [...(await dnatPorts(4)), ...(await dnatPorts(6))];
  const done: PortMapping[] = [];
  const clash = (p: PortMapping, port: number): string | undefined => {
    const rule = dnat.find((d) => d.port === port && d.protocol === p.protocol && sameAddress(d.hostIP, p.hostIP));
    if (rule) return 'another container publishes it';
    const mine = done.find((d) => d.hostPort === port && d.protocol === p.protocol && sameAddress(d.hostIP, p.hostIP));
    if (mine) return `it is published twice (${formatPort(mine)})`;
    return undefined;
  };
  const bindError = async (p: PortMapping, port: number): Promise<string | undefined> => {
    const host = p.hostIP ?? '0.0.0.0';
    const err = await tryBind(p.protocol, host, port);
    if (!err) return undefined;
    if (err.code === 'EADDRNOTAVAIL')
      throw new HullError(
        'PORT_UNAVAILABLE',
        `cannot publish ${formatPort(p)}: ${host} is not an address of this host`,
      );
    if (err.code === 'EADDRINUSE') return `a host process listens on ${host}:${port}/${p.protocol}`;
    if (err.code === 'EACCES') return undefined; // below ip_unprivileged_port_start as non-root: DNAT still works
    return err.message;
  };
  for (const p of ports) {
    const fixed = p.hostPort !== 0 && !p.hostPortEnd;
    if (fixed) {
      const why = clash(p, p.hostPort) ?? (await bindError(p, p.hostPort));
      if (why)
        throw new HullError(
          'PORT_IN_USE',
          `cannot publish ${formatPort(p)}: host port ${p.hostPort} is taken (${why})`,
        );
      done.push({ ...p });
      continue;
    }
    const [lo, hi] = p.hostPortEnd ? [p.hostPort, p.hostPortEnd] : ephemeralRange();
    const candidates: number[] = [];
    if (p.hostPortEnd) for (let n = lo; n <= hi; n++) candidates.push(n);
    else for (let i = 0; i < 64; i++) candidates.push(lo + Math.floor(Math.random() * (hi - lo + 1)));
    let chosen: number | undefined;
    for (const port of candidates) {
      if (clash(p, port) || (await bindError(p, port))) continue;
      chosen = port;
      break;
    }
    if (chosen === undefined)
      throw new HullError('PORT_IN_USE', `cannot publish ${formatPort(p)}: no free host port in ${lo}-${hi}`);
    const { hostPortEnd: _end, ...rest } = p;
    done.push({ ...rest, hostPort: chosen });
  }
  return done;
}
