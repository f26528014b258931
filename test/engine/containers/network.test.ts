/**
 * Container networking through the CLI (issue 5): a named bridge network whose containers reach
 * each other, -p publishing busybox httpd to the host, the default bridge network, --network
 * host, and rm -f leaving no CNI lease or iptables rule behind.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { enginePaths } from '../../../src/engine/paths.js';
import { type EngineEnv, engineEnv, freePort, inspectOf, leftovers, suffix } from './engine-env.js';

/** Interface names in a /proc/net/dev. */
function interfaces(text: string): string[] {
  return text
    .split('\n')
    .slice(2)
    .map((l) => l.split(':')[0]?.trim() ?? '')
    .filter(Boolean)
    .sort();
}

describe('hull networking', () => {
  let e: EngineEnv;
  const net = `hn${suffix()}`;
  before(async () => {
    e = await engineEnv();
    e.ok(['network', 'create', net]);
  });
  after(async () => {
    await e?.close();
    e?.hull(['network', 'rm', net]);
  });

  it('two containers on one bridge network reach each other by IP', () => {
    const a = `a-${suffix()}`;
    const b = `b-${suffix()}`;
    e.ok(['run', '-d', '--network', net, '--name', a, e.image, 'sleep', '300']);
    e.ok(['run', '-d', '--network', net, '--name', b, e.image, 'sleep', '300']);
    const ipB = inspectOf(e, b).NetworkSettings.IPAddress;
    assert.match(ipB, /^\d+\.\d+\.\d+\.\d+$/);
    assert.equal(inspectOf(e, b).NetworkSettings.Networks[net]?.IPAddress, ipB);
    const ping = e.hull(['exec', a, 'ping', '-c', '1', '-W', '5', ipB]);
    assert.equal(ping.status, 0, ping.stdout + ping.stderr);
    assert.match(ping.stdout, /1 packets received/);
    const ids = [inspectOf(e, a).Id, inspectOf(e, b).Id];
    e.ok(['rm', '-f', a, b]);
    const runtimeRoot = enginePaths(e.root).runtimeRoot;
    for (const id of ids) assert.deepEqual(leftovers(e.root, id, runtimeRoot), [], `left by ${id}`);
  });

  it('-p 127.0.0.1:PORT:80 publishes busybox httpd to the host; rm -f removes the DNAT rule and the lease', async () => {
    const port = await freePort();
    const name = `web-${suffix()}`;
    e.ok([
      'run',
      '-d',
      '--name',
      name,
      '-p',
      `127.0.0.1:${port}:80`,
      e.image,
      'sh',
      '-c',
      'mkdir -p /www && echo "hello through portmap" > /www/index.html && exec busybox httpd -f -p 80 -h /www',
    ]);
    const id = inspectOf(e, name).Id;
    assert.match(e.ok(['ps']).stdout, new RegExp(`127\\.0\\.0\\.1:${port}->80/tcp`));
    // portmap's DNAT rule carries the container id in its comment (dnat name: "NET" id: "ID").
    assert.ok(
      execFileSync('iptables-save', { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).includes(
        `id: \\"${id}\\"`,
      ),
      'a DNAT rule for the container',
    );
    let body = '';
    let lastErr: unknown;
    for (let i = 0; i < 50 && !body; i++) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/index.html`);
        body = await res.text();
      } catch (err) {
        lastErr = err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    assert.equal(body, 'hello through portmap\n', String(lastErr));
    e.ok(['rm', '-f', name]);
    assert.deepEqual(leftovers(e.root, id, enginePaths(e.root).runtimeRoot), []);
    await assert.rejects(fetch(`http://127.0.0.1:${port}/index.html`, { signal: AbortSignal.timeout(2000) }));
  });

  it('the default network (bridge) gives eth0 an address and a route out through its gateway', () => {
    const out = e.ok([
      'run',
      '--rm',
      e.image,
      'sh',
      '-c',
      'cat /proc/net/dev; echo ---; ip -4 addr show eth0; ip route',
    ]).stdout;
    const [dev, rest] = out.split('---\n') as [string, string];
    assert.deepEqual(interfaces(dev), ['eth0', 'lo']);
    assert.match(rest, /inet 10\.89\.\d+\.\d+\/\d+/);
    assert.match(rest, /^default via 10\.89\.\d+\.\d+ dev eth0/m);
    // `bridge` and the default are the same network: docker's name for it works.
    const named = e.ok(['run', '--rm', '--network', 'bridge', e.image, 'ip', '-4', 'addr', 'show', 'eth0']).stdout;
    assert.match(named, /inet 10\.89\.\d+\.\d+/);
  });

  it('--network host sees the host interfaces', () => {
    const inside = e.ok(['run', '--rm', '--network', 'host', e.image, 'cat', '/proc/net/dev']).stdout;
    assert.deepEqual(interfaces(inside), interfaces(readFileSync('/proc/net/dev', 'utf8')));
  });
});
