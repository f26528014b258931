/**
 * The container's /etc/hosts and /etc/resolv.conf, written as docker writes them (each to a
 * temp file renamed into place, so a reader never sees half of one).
 *
 * resolv.conf comes from the host's minus loopback nameservers (127.0.0.0/8, ::1: a resolver
 * listening on the host's lo is unreachable from the container's own lo), falling back to
 * systemd-resolved's upstream list and only then to public resolvers, as docker does.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { basename, dirname, join } from 'node:path';
import { HullError } from '../../errors.js';

function writeAtomic(file: string, text: string): void {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  writeFileSync(tmp, text, { mode: 0o644 });
  renameSync(tmp, file);
}

/** docker's --add-host HOST:IP (or HOST=IP): the name, then the address. */
function parseExtraHost(entry: string): [string, string] {
  const sep = entry.search(/[:=]/);
  const host = sep > 0 ? entry.slice(0, sep) : '';
  const ip = sep > 0 ? entry.slice(sep + 1).replace(/^\[(.*)\]$/, '$1') : '';
  if (!host || /\s/.test(host) || !isIP(ip))
    throw new HullError('INVALID_ADD_HOST', `invalid --add-host '${entry}': expected HOST:IP`);
  return [host, ip];
}

export function hostsContent(o: { hostname: string; ips: string[]; extra?: string[] }): string {
  const lines = [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'ff00::0\tip6-mcastprefix',
    'ff02::1\tip6-allnodes',
    'ff02::2\tip6-allrouters',
  ];
  for (const e of o.extra ?? []) {
    const [host, ip] = parseExtraHost(e);
    lines.push(`${ip}\t${host}`);
  }
  // A dotted hostname is also reachable by its first label, as docker writes it.
  const short = o.hostname.split('.')[0];
  const names = short && short !== o.hostname ? `${o.hostname} ${short}` : o.hostname;
  const ips = o.ips.filter(Boolean).map((ip) => ip.replace(/\/\d+$/, ''));
  // With no address (--network none) the name still resolves, to Debian's 127.0.1.1.
  for (const ip of ips.length ? ips : ['127.0.1.1']) lines.push(`${ip}\t${names}`);
  return `${lines.join('\n')}\n`;
}

export function writeHosts(file: string, o: { hostname: string; ips: string[]; extra?: string[] }): void {
  writeAtomic(file, hostsContent(o));
}

interface Resolv {
  nameservers: string[];
  search: string[];
  domain?: string;
  options: string[];
}

function parseResolv(text: string): Resolv {
  const r: Resolv = { nameservers: [], search: [], options: [] };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const [key, ...rest] = line.split(/\s+/);
    if (key === 'nameserver' && rest[0]) r.nameservers.push(rest[0]);
    else if (key === 'search') r.search = rest;
    else if (key === 'domain' && rest[0]) r.domain = rest[0];
    else if (key === 'options') r.options.push(...rest);
  }
  return r;
}

const isLoopback = (ns: string) => ns.startsWith('127.') || ns === '::1' || ns === '0:0:0:0:0:0:0:1';

function readOr(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** docker's defaults when the host has nothing a container can reach. */
export const FALLBACK_NAMESERVERS = ['8.8.8.8', '8.8.4.4'];

export function resolvConfContent(
  o: { dns?: string[]; search?: string[]; options?: string[] } = {},
  hostFile = '/etc/resolv.conf',
): string {
  const host = parseResolv(readOr(hostFile));
  let nameservers: string[];
  if (o.dns?.length) {
    for (const ns of o.dns)
      if (!isIP(ns)) throw new HullError('INVALID_DNS', `invalid --dns '${ns}': not an IP address`);
    nameservers = o.dns;
  } else {
    nameservers = host.nameservers.filter((ns) => !isLoopback(ns));
    if (!nameservers.length && host.nameservers.length)
      nameservers = parseResolv(readOr('/run/systemd/resolve/resolv.conf')).nameservers.filter((ns) => !isLoopback(ns));
    if (!nameservers.length) nameservers = FALLBACK_NAMESERVERS;
  }
  const lines: string[] = [];
  const search = o.search?.length ? o.search.filter((s) => s !== '.') : host.search;
  if (search.length) lines.push(`search ${search.join(' ')}`);
  else if (host.domain && !o.search?.length) lines.push(`domain ${host.domain}`);
  for (const ns of nameservers) lines.push(`nameserver ${ns}`);
  const options = o.options ?? host.options;
  if (options.length) lines.push(`options ${options.join(' ')}`);
  return `${lines.join('\n')}\n`;
}

export function writeResolvConf(file: string, o?: { dns?: string[]; search?: string[]; options?: string[] }): void {
  writeAtomic(file, resolvConfContent(o));
}
