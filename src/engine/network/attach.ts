/**
 * Attaching a container to its networks and detaching it: CNI SPEC.md section 3 over the
 * conflists of store.ts. Network i gets interface eth<i>.
 *
 * ADD (section 3 "Adding an attachment"): every plugin in order, each given the previous one's
 * result as prevResult; the final result is cached (cache.ts). Everything that can be refused is
 * refused first (unknown network, missing plugin binary, taken host port), so bad input leaves
 * nothing behind; a plugin failing midway is rolled back by DELs of everything attempted
 * (section 3 lifecycle: "A delete must still be executed even if the add fails").
 *
 * DEL (section 3 "Deleting an attachment"): plugins in reverse order, each given the cached ADD
 * result. Idempotent (plugins must accept repeated DELs, section 2), and it works after a partial
 * ADD (no result cached: DEL without prevResult, as libcni does) and after the namespace is gone
 * (CNI_NETNS empty; the rules the bridge plugin then cannot find are swept by iptables.ts).
 */
import { HullError } from '../../errors.js';
import { type CachedAttachment, readCache, removeCache, writeCache } from './cache.js';
import { DEFAULT_NETWORK } from './conflist.js';
import { deriveConfig, execPlugin, findPlugin } from './exec-plugin.js';
import { withHostPortLock } from './host-lock.js';
import { resolveHostPorts } from './host-ports.js';
import { forwardNeedsFirewall, sweepRules } from './iptables.js';
import { isNetnsMounted } from './netns.js';
import { ensureDefaultNetwork, loadNetwork } from './store.js';
import type { Attachment, CniResult, ConfList, NetworkResult, PortMapping } from './types.js';

export interface SetupOptions {
  root: string;
  containerId: string;
  netns: string;
  networks: string[];
  ports: PortMapping[];
  aliases?: string[];
}

export type TeardownOptions = Omit<SetupOptions, 'aliases'>;

const ifnameOf = (i: number) => `eth${i}`;
const takesPorts = (conf: ConfList) => conf.plugins.some((p) => p.capabilities?.portMappings === true);
const portmapArg = (ports: PortMapping[]) =>
  ports.map((p) => ({
    hostPort: p.hostPort,
    containerPort: p.containerPort,
    protocol: p.protocol,
    ...(p.hostIP ? { hostIP: p.hostIP } : {}),
  }));

/** The conflist as it will run: the network's, plus the firewall plugin when FORWARD drops. */
function effectiveConf(conf: ConfList): ConfList {
  if (!forwardNeedsFirewall() || conf.plugins.some((p) => p.type === 'firewall')) return conf;
  return { ...conf, plugins: [...conf.plugins, { type: 'firewall', backend: 'iptables' }] };
}

function loadAll(root: string, networks: string[]): ConfList[] {
  const seen = new Set<string>();
  return networks.map((name) => {
    if (seen.has(name)) throw new HullError('NETWORK_TWICE', `network '${name}' is given twice`);
    seen.add(name);
    if (name === DEFAULT_NETWORK) ensureDefaultNetwork(root);
    return effectiveConf(loadNetwork(root, name));
  });
}

function attachmentOf(network: string, ifname: string, result: CniResult): Attachment {
  const ifaces = result.interfaces ?? [];
  // The container's addresses: those on an interface inside the sandbox (section 5 "ips").
  const inside = (result.ips ?? []).filter((ip) => ip.interface === undefined || ifaces[ip.interface]?.sandbox);
  const ips = inside.length ? inside : (result.ips ?? []);
  const iface = ifaces.find((i) => i.sandbox && i.name === ifname);
  return {
    network,
    ifname,
    cidrs: ips.map((ip) => ip.address),
    ...(ips[0]?.gateway ? { gateway: ips[0].gateway } : {}),
    ...(iface?.mac ? { mac: iface.mac } : {}),
    result,
  };
}

export async function setupNetworks(o: SetupOptions): Promise<NetworkResult> {
  const confs = loadAll(o.root, o.networks);
  for (const conf of confs) for (const p of conf.plugins) findPlugin(p.type, conf.name);
  const portNet = confs.findIndex(takesPorts);
  if (o.ports.length && portNet < 0)
    throw new HullError(
      'PORTS_UNSUPPORTED',
      `cannot publish ports: ${o.networks.length ? `network${o.networks.length > 1 ? 's' : ''} '${o.networks.join("', '")}' ${o.networks.length > 1 ? 'have' : 'has'} no portmap plugin (--internal?)` : 'the container has no network'}`,
    );
  const run = async (): Promise<NetworkResult> => {
    const ports = await resolveHostPorts(o.ports);
    const attachments: Attachment[] = [];
    let attempted = 0;
    try {
      for (const [i, conf] of confs.entries()) {
        const ifname = ifnameOf(i);
        // Published ports go to the first network that can take them, as podman does: one
        // DNAT per host port.
        const capabilityArgs = {
          ...(i === portNet && ports.length ? { portMappings: ports } : {}),
          ...(o.aliases?.length ? { aliases: { [conf.name]: o.aliases } } : {}),
        };
        const entry = { containerId: o.containerId, ifName: ifname, networkName: conf.name, capabilityArgs, conf };
        writeCache(o.root, entry);
        attempted = i + 1;
        const result = await addList(conf, o.containerId, o.netns, ifname, capabilityArgs);
        writeCache(o.root, { ...entry, result });
        attachments.push(attachmentOf(conf.name, ifname, result));
      }
    } catch (err) {
      await rollback(o, confs.slice(0, attempted), err);
      throw err;
    }
    return { attachments, ips: attachments.map((a) => (a.cidrs[0] ?? '').replace(/\/\d+$/, '')), ports };
  };
  return o.ports.length ? withHostPortLock(run) : run();
}

async function addList(
  conf: ConfList,
  containerId: string,
  netns: string,
  ifname: string,
  capabilityArgs: Record<string, unknown>,
): Promise<CniResult> {
  let prev: CniResult | undefined;
  for (const plugin of conf.plugins) {
    const config = deriveConfig(plugin, conf, capArgsFor(capabilityArgs), prev);
    prev = await execPlugin({ network: conf.name, command: 'ADD', containerId, netns, ifname, config });
  }
  return prev as CniResult;
}

/** portmap wants `hostIP` only when set and never hull's `hostPortEnd`. */
function capArgsFor(capabilityArgs: Record<string, unknown>): Record<string, unknown> {
  const ports = capabilityArgs.portMappings as PortMapping[] | undefined;
  return ports ? { ...capabilityArgs, portMappings: portmapArg(ports) } : capabilityArgs;
}

async function rollback(o: SetupOptions, confs: ConfList[], cause: unknown): Promise<void> {
  const failures: string[] = [];
  for (let i = confs.length - 1; i >= 0; i--) {
    const conf = confs[i] as ConfList;
    try {
      await delAttachment(o.root, o.containerId, o.netns, conf.name, ifnameOf(i), () => conf, o.ports);
    } catch (err) {
      failures.push((err as Error).message);
    }
  }
  if (failures.length && cause instanceof Error)
    cause.message += ` (and rolling back failed: ${failures.join('; ')}; 'hull rm' retries)`;
}

/**
 * DEL of one attachment. The cached entry, when there is one, decides the conflist and the
 * capability arguments, so the DEL undoes exactly what the ADD did.
 */
async function delAttachment(
  root: string,
  containerId: string,
  netns: string,
  network: string,
  ifname: string,
  fallback: () => ConfList | undefined,
  ports: PortMapping[],
): Promise<void> {
  const cached: CachedAttachment | undefined = readCache(root, network, containerId, ifname);
  const conf = cached?.conf ?? fallback();
  if (!conf) return; // never attached, and the network is gone: nothing to undo
  const capabilityArgs: Record<string, unknown> = cached
    ? (cached.capabilityArgs ?? {})
    : ports.length && takesPorts(conf)
      ? { portMappings: ports }
      : {};
  const live = netns !== '' && isNetnsMounted(netns);
  const prev = cached?.result;
  for (const plugin of [...conf.plugins].reverse()) {
    const config = deriveConfig(plugin, conf, capArgsFor(capabilityArgs), prev);
    await execPlugin({ network: conf.name, command: 'DEL', containerId, netns: live ? netns : '', ifname, config });
  }
  if (!live) {
    const families = new Set<4 | 6>((prev?.ips ?? []).map((ip) => (ip.address.includes(':') ? 6 : 4)));
    await sweepRules(conf.name, containerId, families.size ? [...families] : [4]);
  }
  removeCache(root, network, containerId, ifname);
}

export async function teardownNetworks(o: TeardownOptions): Promise<void> {
  const failures: Error[] = [];
  for (let i = o.networks.length - 1; i >= 0; i--) {
    const network = o.networks[i] as string;
    // Without a cache entry (a hull killed before writing it, or cleaned up already), the
    // network's current conflist; a network removed or broken since has nothing to undo.
    const fallback = () => {
      try {
        return effectiveConf(loadNetwork(o.root, network));
      } catch {
        return undefined;
      }
    };
    try {
      await delAttachment(o.root, o.containerId, o.netns, network, ifnameOf(i), fallback, o.ports);
    } catch (err) {
      failures.push(err as Error);
    }
  }
  if (failures.length === 1) throw failures[0];
  if (failures.length)
    throw new HullError('CNI_DEL_FAILED', failures.map((e) => e.message).join('; '), { cause: failures[0] });
}

/**
 * CHECK (section 3 "Checking an attachment"): every plugin in order with the cached ADD result;
 * skipped for a conflist with disableCheck. Throws the first plugin's error.
 */
export async function checkNetworks(o: Omit<TeardownOptions, 'ports'>): Promise<void> {
  for (const [i, network] of o.networks.entries()) {
    const ifname = ifnameOf(i);
    const cached = readCache(o.root, network, o.containerId, ifname);
    if (!cached?.result)
      throw new HullError('CNI_NOT_ATTACHED', `container ${o.containerId} has no ADD result for network '${network}'`);
    if (cached.conf.disableCheck) continue;
    for (const plugin of cached.conf.plugins) {
      const config = deriveConfig(plugin, cached.conf, capArgsFor(cached.capabilityArgs ?? {}), cached.result);
      await execPlugin({ network, command: 'CHECK', containerId: o.containerId, netns: o.netns, ifname, config });
    }
  }
}
