/**
 * The result cache of CNI SPEC.md section 3 ("The runtime must store the result returned by the
 * final plugin persistently, as it is required for check and delete operations"), in libcni's
 * format (kind cniCacheV1) under ROOT/cni/results/NETWORK-CONTAINERID-IFNAME.
 *
 * An entry is written *before* the first plugin's ADD, holding the conflist as it will be run
 * (firewall decision included) and the resolved port mappings, then rewritten with the result.
 * So a `hull` killed halfway through an ADD still leaves what the DEL needs, and the DEL runs the
 * very configuration the ADD ran even if the network's file changed or was removed since.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CniResult, ConfList, PortMapping } from './types.js';

export interface CacheEntry {
  kind: 'cniCacheV1';
  containerId: string;
  /** The conflist run, base64 as libcni stores its []byte. */
  config: string;
  ifName: string;
  networkName: string;
  cniArgs?: [string, string][];
  capabilityArgs?: { portMappings?: PortMapping[]; aliases?: Record<string, string[]> };
  /** Absent while the ADD is in progress or after it failed. */
  result?: CniResult;
}

export const resultsDir = (root: string) => join(root, 'cni', 'results');
const entryPath = (root: string, network: string, id: string, ifname: string) =>
  join(resultsDir(root), `${network}-${id}-${ifname}`);

export function writeCache(root: string, e: Omit<CacheEntry, 'kind' | 'config'> & { conf: ConfList }): void {
  const { conf, ...rest } = e;
  const entry: CacheEntry = {
    kind: 'cniCacheV1',
    ...rest,
    config: Buffer.from(JSON.stringify(conf)).toString('base64'),
  };
  mkdirSync(resultsDir(root), { recursive: true, mode: 0o700 });
  const file = entryPath(root, e.networkName, e.containerId, e.ifName);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(entry), { mode: 0o600 });
  renameSync(tmp, file);
}

export interface CachedAttachment extends CacheEntry {
  conf: ConfList;
}

function parseEntry(file: string): CachedAttachment | undefined {
  try {
    const e = JSON.parse(readFileSync(file, 'utf8')) as CacheEntry;
    if (e.kind !== 'cniCacheV1' || typeof e.config !== 'string') return undefined;
    return { ...e, conf: JSON.parse(Buffer.from(e.config, 'base64').toString('utf8')) as ConfList };
  } catch {
    return undefined;
  }
}

export function readCache(root: string, network: string, id: string, ifname: string): CachedAttachment | undefined {
  return parseEntry(entryPath(root, network, id, ifname));
}

export function removeCache(root: string, network: string, id: string, ifname: string): void {
  rmSync(entryPath(root, network, id, ifname), { force: true });
}

/** Every attachment the cache records: who is on which network, with which ports and aliases. */
export function listAttachments(root: string, containerId?: string): CachedAttachment[] {
  let names: string[];
  try {
    names = readdirSync(resultsDir(root));
  } catch {
    return [];
  }
  const out: CachedAttachment[] = [];
  for (const n of names) {
    if (n.endsWith('.tmp')) continue;
    if (containerId && !n.includes(`-${containerId}-`)) continue;
    const e = parseEntry(join(resultsDir(root), n));
    if (e && (!containerId || e.containerId === containerId)) out.push(e);
  }
  return out;
}
