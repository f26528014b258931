/** The container's /etc/hosts and /etc/resolv.conf, as docker writes them. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { resolvConfContent, writeHosts, writeResolvConf } from '../../../src/engine/network/etc-files.js';
import { tempDir } from '../../helpers/fixtures.js';

describe('writeHosts', () => {
  const dir = tempDir('hull-net-etc-');

  test('localhost entries, --add-host entries, then the container under its addresses', () => {
    const file = join(dir, 'hosts');
    writeHosts(file, {
      hostname: 'web.example.org',
      ips: ['10.89.0.5/24', 'fd00::5'],
      extra: ['db:10.0.0.9', 'v6=[fd00::9]'],
    });
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    assert.equal(lines[0], '127.0.0.1\tlocalhost');
    assert.equal(lines[1], '::1\tlocalhost ip6-localhost ip6-loopback');
    assert.deepEqual(lines.slice(-4), [
      '10.0.0.9\tdb',
      'fd00::9\tv6',
      '10.89.0.5\tweb.example.org web',
      'fd00::5\tweb.example.org web',
    ]);
    assert.deepEqual(readdirSync(dir), ['hosts'], 'no temp file left');
  });

  test('with no address (--network none) the hostname still resolves, to 127.0.1.1', () => {
    const file = join(dir, 'hosts-none');
    writeHosts(file, { hostname: 'box', ips: [] });
    assert.match(readFileSync(file, 'utf8'), /\n127\.0\.1\.1\tbox\n$/);
  });

  test('a malformed --add-host is one clear error and writes nothing', () => {
    const file = join(dir, 'hosts-bad');
    assert.throws(
      () => writeHosts(file, { hostname: 'x', ips: [], extra: ['nocolon'] }),
      /invalid --add-host 'nocolon'/,
    );
    assert.throws(() => writeHosts(file, { hostname: 'x', ips: [], extra: ['h:not-an-ip'] }), /expected HOST:IP/);
    assert.ok(!readdirSync(dir).includes('hosts-bad'));
  });
});

describe('writeResolvConf', () => {
  const dir = tempDir('hull-net-resolv-');
  const host = (text: string) => {
    const f = join(dir, `host-${Math.random()}`);
    writeFileSync(f, text);
    return f;
  };

  test("keeps the host's search, options and nameservers but drops loopback ones", () => {
    const f = host(
      '# comment\nsearch a.example b.example\nnameserver 127.0.0.53\nnameserver 10.0.0.2\nnameserver ::1\noptions ndots:2 edns0\n',
    );
    assert.equal(resolvConfContent({}, f), 'search a.example b.example\nnameserver 10.0.0.2\noptions ndots:2 edns0\n');
  });

  test('only loopback nameservers on the host: public resolvers, as docker falls back', () => {
    const f = host('nameserver 127.0.0.1\n');
    assert.equal(resolvConfContent({}, f), 'nameserver 8.8.8.8\nnameserver 8.8.4.4\n');
  });

  test("--dns and --dns-search replace the host's; bad --dns is refused", () => {
    const f = host('search host.example\nnameserver 10.0.0.2\n');
    assert.equal(
      resolvConfContent({ dns: ['1.1.1.1'], search: ['c.example'] }, f),
      'search c.example\nnameserver 1.1.1.1\n',
    );
    assert.equal(resolvConfContent({ search: ['.'] }, f), 'nameserver 10.0.0.2\n');
    assert.throws(() => resolvConfContent({ dns: ['dns.example'] }, f), /invalid --dns 'dns.example'/);
  });

  test("writes the file from this host's /etc/resolv.conf", () => {
    const file = join(dir, 'resolv.conf');
    writeResolvConf(file);
    const text = readFileSync(file, 'utf8');
    assert.match(text, /^nameserver /m);
    assert.doesNotMatch(text, /nameserver 127\./);
  });
});
