/** Short-name resolution as docker does it, the search list, and loopback registries as insecure. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  candidates,
  familiarName,
  fullName,
  isLoopbackRegistry,
  loadRegistriesConfig,
  parseImageName,
  splitName,
  tlsVerifyFor,
} from '../../../src/engine/images/names.js';
import { tempDir } from '../../helpers/fixtures.js';

const full = (text: string, search = ['docker.io']) => candidates(text, search).map(fullName);

describe('image names', () => {
  it('normalises like docker: library/, docker.io, :latest', () => {
    assert.deepEqual(full('busybox'), ['docker.io/library/busybox:latest']);
    assert.deepEqual(full('busybox:1.36'), ['docker.io/library/busybox:1.36']);
    assert.deepEqual(full('user/app'), ['docker.io/user/app:latest']);
    assert.deepEqual(full('docker.io/busybox'), ['docker.io/library/busybox:latest']);
    assert.deepEqual(full('index.docker.io/library/busybox'), ['docker.io/library/busybox:latest']);
  });

  it('keeps a registry that is written out (dots, a port, localhost)', () => {
    assert.deepEqual(full('127.0.0.1:5000/busybox'), ['127.0.0.1:5000/busybox:latest']);
    assert.deepEqual(full('localhost/app:v2'), ['localhost/app:v2']);
    assert.deepEqual(full('quay.io/org/app', ['127.0.0.1:5000']), ['quay.io/org/app:latest']);
  });

  it('names by digest as NAME@DIGEST', () => {
    const d = `sha256:${'a'.repeat(64)}`;
    assert.deepEqual(full(`busybox@${d}`), [`docker.io/library/busybox@${d}`]);
    assert.equal(parseImageName(`busybox@${d}`).digest, d);
    assert.deepEqual(splitName(`docker.io/library/busybox@${d}`), {
      repository: 'docker.io/library/busybox',
      tag: '<none>',
      digest: d,
    });
  });

  it('an unqualified name yields one candidate per search registry, in order', () => {
    assert.deepEqual(full('busybox', ['127.0.0.1:5000', 'docker.io']), [
      '127.0.0.1:5000/busybox:latest',
      'docker.io/library/busybox:latest',
    ]);
    assert.deepEqual(full('team/app:1', ['docker.io', 'quay.io']), ['docker.io/team/app:1', 'quay.io/team/app:1']);
  });

  it('prints names the familiar way docker does', () => {
    assert.equal(familiarName('docker.io/library/busybox:latest'), 'busybox:latest');
    assert.equal(familiarName('docker.io/user/app'), 'user/app');
    assert.equal(familiarName('127.0.0.1:5000/busybox:latest'), '127.0.0.1:5000/busybox:latest');
  });

  it('rejects invalid names with one clear error', () => {
    assert.throws(() => parseImageName('Busy Box'), /invalid image reference/);
    assert.throws(() => parseImageName('team/UpperCase'), /repository names must be lowercase/);
  });

  it('treats 127.0.0.0/8, ::1 and localhost as insecure (plain http), unless --tls-verify says otherwise', () => {
    assert.ok(isLoopbackRegistry('127.0.0.1:5000'));
    assert.ok(isLoopbackRegistry('127.10.0.3'));
    assert.ok(isLoopbackRegistry('localhost:5000'));
    assert.ok(isLoopbackRegistry('[::1]:5000'));
    assert.ok(!isLoopbackRegistry('128.0.0.1:5000'));
    assert.ok(!isLoopbackRegistry('docker.io'));
    const config = { search: ['docker.io'], insecure: ['reg.lan:5000'] };
    assert.equal(tlsVerifyFor('127.0.0.1:5000', config, undefined), false);
    assert.equal(tlsVerifyFor('reg.lan:5000', config, undefined), false);
    assert.equal(tlsVerifyFor('docker.io', config, undefined), true);
    assert.equal(tlsVerifyFor('docker.io', config, false), false);
    assert.equal(tlsVerifyFor('127.0.0.1:5000', config, true), true);
  });

  it('reads the search list from ROOT/registries.json, overridden by HULL_REGISTRIES', () => {
    const root = tempDir();
    assert.deepEqual(loadRegistriesConfig(root, {}).search, ['docker.io']);
    writeFileSync(join(root, 'registries.json'), JSON.stringify({ search: ['127.0.0.1:5000', 'docker.io'] }));
    assert.deepEqual(loadRegistriesConfig(root, {}).search, ['127.0.0.1:5000', 'docker.io']);
    assert.deepEqual(loadRegistriesConfig(root, { HULL_REGISTRIES: 'a.example:1, b.example' }).search, [
      'a.example:1',
      'b.example',
    ]);
    writeFileSync(join(root, 'registries.json'), JSON.stringify({ search: ['not a host'] }));
    assert.throws(
      () => loadRegistriesConfig(root, {}),
      /registries\.json: \$\.search\[0\]: 'not a host' is not a registry host/,
    );
    writeFileSync(join(root, 'registries.json'), '{');
    assert.throws(() => loadRegistriesConfig(root, {}), /registries\.json: not valid JSON/);
  });
});
