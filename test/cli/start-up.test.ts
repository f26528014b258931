/**
 * bin/hull as a command (its sh part) and as a module (`node bin/hull`): both start the CLI,
 * also through a symlink on PATH (npm's link). NODE_EXTRA_CA_CERTS keeps its meaning although
 * the sh part takes it away from Node's start-up: the docker transport trusts the file's
 * certificates when it connects (HULL_EXTRA_CA_CERTS), warns about an unreadable file as Node
 * does, and programs hull starts see the variable again.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { busyboxRootfs, hullBin, tempDir } from '../helpers/fixtures.js';
import { ok, runAsync } from '../helpers/run.js';
import { makeTlsFixture } from '../registry/auth/tls-fixture.js';
import { type ChildRegistry, spawnRegistry } from '../registry/server/child.js';

const { NODE_EXTRA_CA_CERTS: _ca, HULL_EXTRA_CA_CERTS: _hca, ...baseEnv } = process.env;

describe('bin/hull', () => {
  it('runs as a command, as a module and through a symlink on PATH', async () => {
    const dir = tempDir('hull-bin-');
    symlinkSync(hullBin, join(dir, 'hull'));
    for (const [cmd, args, env] of [
      [hullBin, ['--version'], baseEnv],
      [process.execPath, [hullBin, '--version'], baseEnv],
      ['hull', ['--version'], { ...baseEnv, PATH: `${dir}:${baseEnv.PATH}` }],
    ] as const) {
      const r = await runAsync(cmd, [...args], { env });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^hull version \S+\n$/);
    }
  });
});

describe('NODE_EXTRA_CA_CERTS through bin/hull', () => {
  let reg: ChildRegistry;
  let dir: string;
  let ref: string;
  let ca: string;
  before(async () => {
    // Not tempDir() nor the registry's own stop: their after() would run as this hook ends.
    dir = mkdtempSync(join(tmpdir(), 'hull-ca-'));
    const tls = makeTlsFixture(dir);
    ca = tls.certFile;
    reg = await spawnRegistry(
      join(dir, 'root'),
      ['--quiet', '--tls-cert', tls.certFile, '--tls-key', tls.keyFile],
      '127.0.0.1:0',
      false,
    );
    ok('hull', ['import', busyboxRootfs(), `oci:${join(dir, 'layout')}:latest`]);
    ref = `${reg.host}/start-up/bb:v1`;
    ok('hull', ['copy', '--dest-tls-verify=false', `oci:${join(dir, 'layout')}:latest`, `docker://${ref}`]);
  });
  after(async () => {
    await reg?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('a registry whose certificate only NODE_EXTRA_CA_CERTS trusts is reached', async () => {
    const r = await runAsync(hullBin, ['inspect', `docker://${ref}`], { env: { ...baseEnv, NODE_EXTRA_CA_CERTS: ca } });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual((JSON.parse(r.stdout) as { RepoTags: string[] }).RepoTags, ['v1']);
  });

  it('without it the certificate is refused, naming --tls-verify=false', async () => {
    const r = await runAsync(hullBin, ['inspect', `docker://${ref}`], { env: baseEnv });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /SELF_SIGNED|certificate/i);
    assert.match(r.stderr, /--tls-verify=false/);
  });

  it('an unreadable file is a warning naming it, as it is for Node, and the default roots stay', async () => {
    const r = await runAsync(hullBin, ['inspect', `docker://${ref}`], {
      env: { ...baseEnv, NODE_EXTRA_CA_CERTS: '/nonexistent/ca.pem' },
    });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /warning: ignoring extra certs from \/nonexistent\/ca\.pem/);
    assert.match(r.stderr, /SELF_SIGNED|certificate/i);
  });

  it('pulls through it, and the programs hull starts (here a runtime) see it again', async () => {
    const dir = tempDir('hull-ca-env-');
    const env = { ...baseEnv, NODE_EXTRA_CA_CERTS: ca, HULL_ROOT: join(dir, 'root') };
    const pulled = await runAsync(hullBin, ['pull', '-q', ref], { env });
    assert.equal(pulled.status, 0, pulled.stderr);
    // A stand-in for runc that records its environment and fails create.
    const runtime = join(dir, 'fake-runc');
    writeFileSync(runtime, `#!/bin/sh\nenv > ${join(dir, 'env')}\nexit 1\n`, { mode: 0o755 });
    const r = await runAsync(hullBin, ['run', '--rm', '--network', 'none', '--runtime', runtime, ref, 'true'], { env });
    assert.equal(r.status, 125, 'create fails');
    const seen = readFileSync(join(dir, 'env'), 'utf8').split('\n');
    assert.ok(seen.includes(`NODE_EXTRA_CA_CERTS=${ca}`), seen.join('\n'));
  });
});
