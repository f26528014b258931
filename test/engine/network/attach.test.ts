/**
 * CNI ADD/DEL through Debian's plugins in /usr/lib/cni, for real: namespaces, veths on a
 * bridge, host-local leases, portmap's DNAT rules (iptables as the plugins run it: the `iptables`
 * on PATH, iptables-nft on Debian 12). Traffic stays on 127.0.0.1 and in namespaces made here.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { resultsDir } from '../../../src/engine/network/cache.js';
import {
  checkNetworks,
  createNetns,
  createNetwork,
  isNetnsMounted,
  type NetworkResult,
  type PortMapping,
  removeNetns,
  removeNetwork,
  setupNetworks,
  teardownNetworks,
} from '../../../src/engine/network/index.js';
import { chainName } from '../../../src/engine/network/iptables.js';
import { tempDir } from '../../helpers/fixtures.js';
import { freeSubnet, inNetns, iptablesRules, leases, linkNames, uid } from './net-helpers.js';

// Not tempDir(): its after() hook would delete the root (and the CNI cache the DELs below need)
// before this file's own clean-up runs.
const root = mkdtempSync(join(tmpdir(), 'hull-net-attach-'));
const made: { id: string; networks: string[] }[] = [];
const networksMade: string[] = [];

after(async () => {
  for (const c of made) {
    await teardownNetworks({
      root,
      containerId: c.id,
      netns: `/run/hull/netns/${c.id}`,
      networks: c.networks,
      ports: [],
    }).catch(() => undefined);
    removeNetns(c.id);
  }
  for (const n of networksMade) {
    try {
      removeNetwork(root, n);
    } catch {
      // already removed by its test
    }
  }
  rmSync(root, { recursive: true, force: true });
});

function network(o: { internal?: boolean } = {}): { name: string; prefix: string; bridge: string } {
  const name = uid('t-net-');
  const { subnet, prefix } = freeSubnet();
  const info = createNetwork(root, name, { subnet, ...o });
  networksMade.push(name);
  return { name, prefix, bridge: info.bridge };
}

async function container(
  networks: string[],
  ports: PortMapping[] = [],
): Promise<{ id: string; netns: string; result: NetworkResult }> {
  const id = uid('ctr');
  const netns = createNetns(id);
  made.push({ id, networks });
  const result = await setupNetworks({ root, containerId: id, netns, networks, ports, aliases: ['web'] });
  return { id, netns, result };
}

/** Rules that belong to one attachment: its comment, its per-container chains, its address. */
function rulesOf(network: string, id: string, ip: string): string[] {
  const chains = [chainName(network, id), chainName(network, id, 'DN-')];
  return iptablesRules().filter(
    (l) =>
      l.includes(`id: \\"${id}\\"`) ||
      chains.some((c) => l.includes(c)) ||
      l.includes(`${ip}/32`) ||
      l.includes(`${ip}:`),
  );
}

const cacheEntries = (id: string) => {
  try {
    return readdirSync(resultsDir(root)).filter((f) => f.includes(id));
  } catch {
    return [];
  }
};

function httpd(netns: string, port: number): ChildProcess {
  const www = tempDir('hull-net-www-');
  writeFileSync(join(www, 'index.html'), 'hello from the container\n');
  const child = spawn('nsenter', [`--net=${netns}`, 'busybox', 'httpd', '-f', '-p', String(port), '-h', www], {
    stdio: 'ignore',
  });
  after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return child;
}

/** GET with retries while the server starts (bounded: 50 tries). */
async function get(url: string): Promise<string> {
  let last: unknown;
  for (let i = 0; i < 50; i++) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      return await res.text();
    } catch (err) {
      last = err;
      await sleep(100);
    }
  }
  throw new Error(`GET ${url} failed: ${(last as Error).message}`);
}

describe('setupNetworks / teardownNetworks', () => {
  test('two containers on one bridge network get addresses in its subnet and reach each other', async () => {
    const net = network();
    const one = await container([net.name]);
    const two = await container([net.name]);
    const [ip1, ip2] = [one.result.ips[0]!, two.result.ips[0]!];
    assert.ok(ip1.startsWith(`${net.prefix}.`) && ip2.startsWith(`${net.prefix}.`), `${ip1} ${ip2}`);
    assert.notEqual(ip1, ip2);
    assert.equal(one.result.attachments[0]!.ifname, 'eth0');
    assert.equal(one.result.attachments[0]!.gateway, `${net.prefix}.1`);
    assert.deepEqual(linkNames(one.netns).sort(), ['eth0', 'lo']);
    assert.match(inNetns(one.netns, ['ip', 'route']).stdout, new RegExp(`default via ${net.prefix}\\.1 dev eth0`));
    const ping = inNetns(one.netns, ['busybox', 'ping', '-c', '1', '-W', '3', ip2]);
    assert.equal(ping.status, 0, ping.stdout + ping.stderr);
    assert.equal(inNetns(two.netns, ['busybox', 'ping', '-c', '1', '-W', '3', ip1]).status, 0);
    await checkNetworks({ root, containerId: one.id, netns: one.netns, networks: [net.name] });
  });

  test('a published port reaches busybox httpd from the host at 127.0.0.1:HOSTPORT', async () => {
    const net = network();
    // hostPort 0: docker's `-p 127.0.0.1::8080`, a free port chosen at start.
    const c = await container([net.name], [{ hostIP: '127.0.0.1', hostPort: 0, containerPort: 8080, protocol: 'tcp' }]);
    const hostPort = c.result.ports[0]!.hostPort;
    assert.ok(hostPort > 0);
    httpd(c.netns, 8080);
    assert.equal(await get(`http://127.0.0.1:${hostPort}/`), 'hello from the container\n');
    // portmap enables route_localnet on the bridge so 127.0.0.1 can be DNATed to it.
    assert.equal(await get(`http://${c.result.ips[0]}:8080/`), 'hello from the container\n');
  });

  test('DEL removes every rule, lease and cache entry the ADD made, and runs again harmlessly', async () => {
    const net = network();
    const c = await container([net.name], [{ hostPort: 0, containerPort: 80, protocol: 'tcp' }]);
    const ip = c.result.ips[0]!;
    assert.ok(rulesOf(net.name, c.id, ip).length >= 4, 'masquerade and DNAT rules exist after ADD');
    assert.deepEqual(leases(net.name), [ip]);
    assert.equal(cacheEntries(c.id).length, 1);
    const o = { root, containerId: c.id, netns: c.netns, networks: [net.name], ports: [] };
    await teardownNetworks(o);
    assert.deepEqual(rulesOf(net.name, c.id, ip), []);
    assert.deepEqual(leases(net.name), []);
    assert.deepEqual(cacheEntries(c.id), []);
    assert.deepEqual(linkNames(c.netns), ['lo']);
    await teardownNetworks(o); // SPEC.md section 2: DEL may be repeated
  });

  test('a taken host port is refused before anything is set up', async () => {
    const net = network();
    const server: Server = createServer();
    await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
    const port = (server.address() as { port: number }).port;
    try {
      const id = uid('ctr');
      const netns = createNetns(id);
      made.push({ id, networks: [net.name] });
      await assert.rejects(
        setupNetworks({
          root,
          containerId: id,
          netns,
          networks: [net.name],
          ports: [{ hostPort: port, containerPort: 80, protocol: 'tcp' }],
        }),
        new RegExp(`cannot publish ${port}:80/tcp: host port ${port} is taken \\(a host process listens`),
      );
      assert.deepEqual(leases(net.name), []);
      assert.deepEqual(cacheEntries(id), []);
      assert.deepEqual(linkNames(netns), ['lo']);
    } finally {
      server.close();
    }
    // Published by another container: its DNAT rule is what takes the port.
    const first = await container([net.name], [{ hostPort: 0, containerPort: 80, protocol: 'tcp' }]);
    const taken = first.result.ports[0]!.hostPort;
    const id = uid('ctr');
    const netns = createNetns(id);
    made.push({ id, networks: [net.name] });
    await assert.rejects(
      setupNetworks({
        root,
        containerId: id,
        netns,
        networks: [net.name],
        ports: [{ hostPort: taken, containerPort: 81, protocol: 'tcp' }],
      }),
      /another container publishes it/,
    );
    assert.deepEqual(leases(net.name), [first.result.ips[0]]);
  });

  test('a plugin failing midway rolls back every network attached so far', async () => {
    const good = network();
    // A network whose second plugin fails: tuning cannot write a sysctl that does not exist.
    const bad = uid('t-bad-');
    const { subnet } = freeSubnet();
    mkdirSync(join(root, 'networks'), { recursive: true });
    writeFileSync(
      join(root, 'networks', `${bad}.conflist`),
      JSON.stringify({
        cniVersion: '1.0.0',
        name: bad,
        plugins: [
          {
            type: 'bridge',
            bridge: `hb${bad.slice(-8)}`,
            isGateway: true,
            ipMasq: true,
            ipam: { type: 'host-local', ranges: [[{ subnet }]] },
          },
          { type: 'tuning', sysctl: { 'net.ipv4.conf.eth1.no_such_knob': '1' } },
        ],
      }),
    );
    networksMade.push(bad);
    const id = uid('ctr');
    const netns = createNetns(id);
    made.push({ id, networks: [good.name, bad] });
    await assert.rejects(
      setupNetworks({
        root,
        containerId: id,
        netns,
        networks: [good.name, bad],
        ports: [{ hostPort: 0, containerPort: 80, protocol: 'tcp' }],
      }),
      (err: Error) => {
        assert.match(err.message, new RegExp(`^network '${bad}': CNI plugin 'tuning' ADD failed: .*no_such_knob`));
        assert.doesNotMatch(err.message, /\n/);
        return true;
      },
    );
    assert.deepEqual(leases(good.name), []);
    assert.deepEqual(leases(bad), []);
    assert.deepEqual(
      iptablesRules().filter((l) => l.includes(id)),
      [],
    );
    assert.deepEqual(cacheEntries(id), []);
    assert.deepEqual(linkNames(netns), ['lo']);
  });

  test('DEL after the namespace is lost (a crash, a reboot) still frees the address and the rules', async () => {
    const net = network();
    const c = await container([net.name], [{ hostPort: 0, containerPort: 80, protocol: 'tcp' }]);
    const ip = c.result.ips[0]!;
    removeNetns(c.id);
    assert.ok(!isNetnsMounted(c.netns));
    await teardownNetworks({ root, containerId: c.id, netns: c.netns, networks: [net.name], ports: [] });
    assert.deepEqual(rulesOf(net.name, c.id, ip), []);
    assert.deepEqual(leases(net.name), []);
    assert.deepEqual(cacheEntries(c.id), []);
  });

  test('an internal network joins its containers to each other and to nothing else', async () => {
    const net = network({ internal: true });
    const one = await container([net.name]);
    const two = await container([net.name]);
    assert.equal(inNetns(one.netns, ['busybox', 'ping', '-c', '1', '-W', '3', two.result.ips[0]!]).status, 0);
    assert.doesNotMatch(inNetns(one.netns, ['ip', 'route']).stdout, /default/);
    const id = uid('ctr');
    const netns = createNetns(id);
    made.push({ id, networks: [net.name] });
    await assert.rejects(
      setupNetworks({
        root,
        containerId: id,
        netns,
        networks: [net.name],
        ports: [{ hostPort: 0, containerPort: 80, protocol: 'tcp' }],
      }),
      /cannot publish ports: network .* has no portmap plugin/,
    );
  });

  test('two networks give eth0 and eth1; unknown networks fail before any ADD', async () => {
    const a = network();
    const b = network();
    const c = await container([a.name, b.name]);
    assert.deepEqual(
      c.result.attachments.map((x) => x.ifname),
      ['eth0', 'eth1'],
    );
    assert.ok(c.result.ips[1]!.startsWith(`${b.prefix}.`));
    assert.deepEqual(linkNames(c.netns).sort(), ['eth0', 'eth1', 'lo']);
    const id = uid('ctr');
    const netns = createNetns(id);
    made.push({ id, networks: [a.name] });
    await assert.rejects(
      setupNetworks({ root, containerId: id, netns, networks: [a.name, 'no-such-net'], ports: [] }),
      /network 'no-such-net' not found/,
    );
    assert.deepEqual(cacheEntries(id), []);
    assert.equal(leases(a.name).length, 1, "only the first container's lease");
  });

  test('a network in use cannot be removed; once detached it goes with its bridge', async () => {
    const net = network();
    const c = await container([net.name]);
    assert.throws(() => removeNetwork(root, net.name), /is in use by container/);
    await teardownNetworks({ root, containerId: c.id, netns: c.netns, networks: [net.name], ports: [] });
    assert.ok(existsSync(`/sys/class/net/${net.bridge}`));
    removeNetwork(root, net.name);
    assert.ok(!existsSync(`/sys/class/net/${net.bridge}`), 'bridge deleted');
    assert.ok(!existsSync(`/var/lib/cni/networks/${net.name}`), "host-local's directory deleted");
  });
});

describe('network namespaces', () => {
  test('--network none: a namespace with only lo, and lo up', () => {
    const id = uid('ctr');
    const netns = createNetns(id);
    made.push({ id, networks: [] });
    assert.ok(isNetnsMounted(netns));
    assert.deepEqual(linkNames(netns), ['lo']);
    assert.match(inNetns(netns, ['ip', '-o', 'link', 'show', 'lo']).stdout, /<LOOPBACK,UP,LOWER_UP>/);
    assert.equal(inNetns(netns, ['busybox', 'ping', '-c', '1', '-W', '2', '127.0.0.1']).status, 0);
    assert.throws(() => createNetns(id), /already exists/);
    removeNetns(id);
    removeNetns(id); // idempotent
    assert.ok(!isNetnsMounted(netns));
  });
});
