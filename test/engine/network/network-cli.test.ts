/** `hull network create|ls|rm` as users run it, with docker's output and one-line errors. */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { ContainerConfig } from '../../../src/engine/containers/config.js';
import { deleteContainerRow, insertContainer } from '../../../src/engine/db/containers.js';
import { openDatabase } from '../../../src/engine/db/db.js';
import { formatCidr } from '../../../src/engine/network/cidr.js';
import { networkId } from '../../../src/engine/network/conflist.js';
import { hostRoutes } from '../../../src/engine/network/host-routes.js';
import { tempDir } from '../../helpers/fixtures.js';
import { hull, ok } from '../../helpers/run.js';
import { freeSubnet, uid } from './net-helpers.js';

describe('hull network', () => {
  const root = tempDir('hull-net-cli-');
  const a = uid('cli-a-');
  const b = uid('cli-b-');
  const { subnet, prefix } = freeSubnet();
  const conflists = () => readdirSync(join(root, 'networks')).sort();

  test('create writes a CNI 1.0 conflist (bridge + host-local + portmap) and prints the id', () => {
    const out = ok('hull', ['network', 'create', '--root', root, '--subnet', subnet, '--gateway', `${prefix}.254`, a]);
    assert.equal(out.stdout, `${networkId(a)}\n`);
    const conf = JSON.parse(readFileSync(join(root, 'networks', `${a}.conflist`), 'utf8'));
    assert.equal(conf.cniVersion, '1.0.0');
    assert.equal(conf.name, a);
    assert.deepEqual(
      conf.plugins.map((p: { type: string }) => p.type),
      ['bridge', 'portmap'],
    );
    const [bridge, portmap] = conf.plugins;
    assert.equal(bridge.isGateway, true);
    assert.equal(bridge.ipMasq, true);
    assert.equal(bridge.hairpinMode, true);
    assert.match(bridge.bridge, /^hull-[0-9a-f]{10}$/);
    assert.deepEqual(bridge.ipam, {
      type: 'host-local',
      ranges: [[{ subnet, gateway: `${prefix}.254` }]],
      routes: [{ dst: '0.0.0.0/0' }],
    });
    assert.deepEqual(portmap.capabilities, { portMappings: true });
  });

  test('--internal: no gateway role, masquerade, default route or portmap', () => {
    ok('hull', ['network', 'create', '--root', root, '--internal', b]);
    const conf = JSON.parse(readFileSync(join(root, 'networks', `${b}.conflist`), 'utf8'));
    assert.deepEqual(
      conf.plugins.map((p: { type: string }) => p.type),
      ['bridge'],
    );
    assert.equal(conf.plugins[0].isGateway, false);
    assert.equal(conf.plugins[0].ipMasq, false);
    assert.deepEqual(conf.plugins[0].ipam.routes, []);
    assert.match(conf.plugins[0].ipam.ranges[0][0].subnet, /^10\.89\.\d+\.0\/24$/, 'next free 10.89.N.0/24');
  });

  test("ls shows docker's columns with the default network; -q only ids; --format json the subnets", () => {
    const out = ok('hull', ['network', 'ls', '--root', root]).stdout.trimEnd().split('\n');
    assert.match(out[0]!, /^NETWORK ID\s+NAME\s+DRIVER\s+SCOPE$/);
    const names = out.slice(1).map((l) => l.split(/\s+/)[1]);
    assert.deepEqual(names, [a, b, 'hull'].sort());
    assert.match(out[1]!, /^[0-9a-f]{12}\s+\S+\s+bridge\s+local$/);
    const ids = ok('hull', ['network', 'ls', '-q', '--root', root]).stdout.trim().split('\n');
    assert.deepEqual(ids.sort(), [a, b, 'hull'].map((n) => networkId(n).slice(0, 12)).sort());
    const json = JSON.parse(ok('hull', ['network', 'ls', '--root', root, '--format', 'json']).stdout);
    const hullNet = json.find((n: { Name: string }) => n.Name === 'hull');
    assert.equal(hullNet.NetworkInterface, 'hull0');
    assert.equal(json.find((n: { Name: string }) => n.Name === a).Subnets[0].Subnet, subnet);
  });

  test('bad input: one clear error, non-zero exit, nothing written', () => {
    const before = conflists();
    const cases: [string[], RegExp][] = [
      [[a], new RegExp(`network name '${a}' is already in use`)],
      [['--subnet', '10.250.0.0/33', uid('x')], /invalid --subnet: '10\.250\.0\.0\/33' is not a CIDR subnet/],
      [['--subnet', '10.250.7.9/24', uid('x')], /has host bits set; the subnet is 10\.250\.7\.0\/24/],
      [['--subnet', subnet.replace('.0/24', '.128/25'), uid('x')], new RegExp(`overlaps network '${a}'`)],
      [['--subnet', '10.250.8.0/24', '--gateway', '10.250.9.1', uid('x')], /not inside the subnet/],
      [['--gateway', '10.250.9.1', uid('x')], /--gateway needs --subnet/],
      [['bad/name'], /invalid network name 'bad\/name'/],
      [['host'], /reserved/],
      [['hull'], /default network/],
    ];
    for (const [args, message] of cases) {
      const r = hull(['network', 'create', '--root', root, ...args]);
      assert.equal(r.status, 1, args.join(' '));
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
    assert.deepEqual(conflists(), before);
  });

  test('a subnet the host already routes, or a special-purpose range, is refused', () => {
    // A route of a physical interface: bridges of tests running alongside come and go.
    const route = hostRoutes().find((r) => r.cidr.family === 4 && !/^(hull|hb|cni|podman|docker|br-|veth)/.test(r.dev));
    if (route) {
      const r = hull(['network', 'create', '--root', root, '--subnet', formatCidr(route.cidr), uid('x')]);
      assert.equal(r.status, 1);
      assert.match(r.stderr, new RegExp(`overlaps the host's route .* on ${route.dev}`));
    }
    for (const special of ['127.0.0.0/8', '169.254.0.0/16', '224.0.0.0/24']) {
      const r = hull(['network', 'create', '--root', root, '--subnet', special, uid('x')]);
      assert.equal(r.status, 1, special);
      assert.match(r.stderr, /reserved/);
    }
    assert.ok(conflists().every((f) => !f.startsWith('x')));
  });

  test('rm refuses the default network and a network a container is on, removes the rest', () => {
    // A container on b, as the database records it (no need to run one).
    const db = openDatabase(join(root, 'hull.db'));
    insertContainer(db, {
      id: 'c1',
      name: 'c1',
      image: 'i',
      imageId: 'i',
      command: [],
      created: new Date(0).toISOString(),
      state: 'exited',
      pid: 0,
      runtime: 'hull-runtime',
      autoRemove: false,
      config: { network: b } as unknown as ContainerConfig,
    });
    const r = hull(['network', 'rm', '--root', root, 'hull', b, a, 'nope']);
    assert.equal(r.status, 1);
    assert.equal(r.stdout, `${a}\n`);
    assert.match(r.stderr, /'hull' is the default network and cannot be removed/);
    assert.match(r.stderr, new RegExp(`network '${b}' is in use`));
    assert.match(r.stderr, /network 'nope' not found/);
    assert.ok(!existsSync(join(root, 'networks', `${a}.conflist`)));
    deleteContainerRow(db, 'c1');
    ok('hull', ['network', 'rm', '--root', root, networkId(b).slice(0, 12)]);
    assert.deepEqual(conflists(), ['hull.conflist']);
  });

  test('usage errors name the subcommand', () => {
    assert.match(hull(['network', 'frob', '--root', root]).stderr, /unknown subcommand 'frob'/);
    assert.match(
      hull(['network', 'ls', '--subnet', '10.0.0.0/8', '--root', root]).stderr,
      /--subnet applies to 'network create' only/,
    );
    assert.equal(hull(['network', 'create', '--root', root]).status, 2);
  });
});
