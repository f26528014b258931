/**
 * Shared pieces of the network tests: unique names and subnets (other helpers' tests run at the
 * same time on this host), commands inside a namespace, and the host state a DEL must restore.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { overlaps, parseCidr } from '../../../src/engine/network/cidr.js';
import { hostRoutes } from '../../../src/engine/network/host-routes.js';
import { run } from '../../helpers/run.js';

export const uid = (prefix: string) => `${prefix}${randomBytes(5).toString('hex')}`;

/** A random 10.200-249.N.0/24 that no route of the host's covers. */
export function freeSubnet(): { subnet: string; prefix: string } {
  for (;;) {
    const a = 200 + Math.floor(Math.random() * 50);
    const b = Math.floor(Math.random() * 256);
    const subnet = `10.${a}.${b}.0/24`;
    const c = parseCidr(subnet);
    if (!hostRoutes().some((r) => overlaps(r.cidr, c))) return { subnet, prefix: `10.${a}.${b}` };
  }
}

/** Runs a command in a network namespace (the host's mount namespace, so host binaries). */
export function inNetns(netns: string, cmd: string[]) {
  return run('nsenter', [`--net=${netns}`, ...cmd]);
}

/** iptables rules (nat and filter, the backend the plugins use: `iptables` on PATH), no counters. */
export function iptablesRules(): string[] {
  const out: string[] = [];
  for (const table of ['nat', 'filter']) {
    const r = run('iptables', ['-w', '-t', table, '-S']);
    out.push(
      ...r.stdout
        .split('\n')
        .filter((l) => l.startsWith('-'))
        .map((l) => `${table} ${l}`),
    );
  }
  return out;
}

/** host-local's lease files for a network: one per leased address. */
export function leases(network: string): string[] {
  const dir = join('/var/lib/cni/networks', network);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f !== 'lock' && !f.startsWith('last_reserved_ip'));
}

export function linkNames(netns: string): string[] {
  const r = inNetns(netns, ['ip', '-o', 'link', 'show']);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => (l.split(': ')[1] ?? '').split('@')[0] as string);
}
