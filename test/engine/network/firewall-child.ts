/**
 * Run by firewall.test.ts inside a fresh network namespace (`unshare --net`), which has its own
 * iptables: there FORWARD's policy is set to DROP, as dockerd sets it, without touching the
 * host's. Attaches a container, prints what the firewall plugin did, detaches it, prints again.
 * Usage: node firewall-child.js ROOT NETWORK SUBNET CONTAINERID
 */
import { execFileSync } from 'node:child_process';
import {
  createNetns,
  createNetwork,
  listAttachments,
  removeNetns,
  removeNetwork,
  setupNetworks,
  teardownNetworks,
} from '../../../src/engine/network/index.js';

const [root, network, subnet, id] = process.argv.slice(2) as [string, string, string, string];
const rules = () => execFileSync('iptables', ['-w', '-S']).toString();
execFileSync('iptables', ['-w', '-P', 'FORWARD', 'DROP']);
createNetwork(root, network, { subnet });
const netns = createNetns(id);
const report: Record<string, unknown> = {};
try {
  const result = await setupNetworks({ root, containerId: id, netns, networks: [network], ports: [] });
  report.ip = result.ips[0];
  report.plugins = listAttachments(root, id)[0]?.conf.plugins.map((p) => p.type);
  report.afterAdd = rules();
  await teardownNetworks({ root, containerId: id, netns, networks: [network], ports: [] });
  report.afterDel = rules();
} finally {
  removeNetns(id);
  removeNetwork(root, network);
}
process.stdout.write(JSON.stringify(report));
