/**
 * defaultSpec() against the installed runc's `runc spec` and `runc spec --rootless`, field by
 * field. Documented differences (default-spec.ts): ociVersion (runc 1.1.5 writes its vendored
 * runtime-spec version "1.0.2-dev"; we write 1.3.0, the runtime-spec version hull implements,
 * and every field here is unchanged in it) and hostname ("hull" instead of "runc").
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { defaultSpec, RUNTIME_SPEC_VERSION } from '../../../src/image/bundle/default-spec.js';
import type { RuntimeSpec } from '../../../src/image/bundle/spec-types.js';
import { tempDir } from '../../helpers/fixtures.js';

function runcSpec(args: string[]): RuntimeSpec {
  const dir = tempDir('hull-runc-spec-');
  execFileSync('runc', ['spec', ...args], { cwd: dir, stdio: 'pipe' });
  return JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as RuntimeSpec;
}

/** Compares every top-level field (and linux.* / process.* one by one, for readable failures). */
function compareWithRunc(ours: RuntimeSpec, runc: RuntimeSpec): void {
  assert.equal(ours.ociVersion, RUNTIME_SPEC_VERSION);
  assert.match(runc.ociVersion, /^1\./, 'runc writes a 1.x runtime-spec version');
  assert.equal(ours.hostname, 'hull');
  assert.equal(runc.hostname, 'runc');
  const keys = new Set([...Object.keys(ours), ...Object.keys(runc)]);
  for (const key of [...keys].filter((k) => k !== 'ociVersion' && k !== 'hostname')) {
    const a = ours[key as keyof RuntimeSpec];
    const b = runc[key as keyof RuntimeSpec];
    if ((key === 'process' || key === 'linux') && a && b && typeof a === 'object' && typeof b === 'object') {
      const sub = new Set([...Object.keys(a), ...Object.keys(b)]);
      for (const k of sub) {
        assert.deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${key}.${k}`);
      }
    } else {
      assert.deepEqual(a, b, key);
    }
  }
}

describe('defaultSpec', () => {
  it('equals `runc spec` except ociVersion and hostname', () => {
    compareWithRunc(defaultSpec(), runcSpec([]));
  });

  it('rootless equals `runc spec --rootless` except ociVersion and hostname', () => {
    compareWithRunc(defaultSpec({ rootless: true }), runcSpec(['--rootless']));
  });

  it('rootless maps the current euid/egid to 0 and has a user namespace but no network namespace', () => {
    const s = defaultSpec({ rootless: true });
    assert.deepEqual(s.linux?.uidMappings, [{ containerID: 0, hostID: process.geteuid?.(), size: 1 }]);
    assert.deepEqual(s.linux?.gidMappings, [{ containerID: 0, hostID: process.getegid?.(), size: 1 }]);
    const types = s.linux?.namespaces?.map((n) => n.type);
    assert.ok(types?.includes('user'));
    assert.ok(!types?.includes('network'));
    assert.equal(s.linux?.resources, undefined);
  });

  it('terminal: false drops TERM and sets process.terminal false', () => {
    const s = defaultSpec({ terminal: false });
    assert.equal(s.process?.terminal, false);
    assert.deepEqual(
      s.process?.env?.map((e) => e.split('=')[0]),
      ['PATH'],
    );
  });

  it('returns a fresh object each call', () => {
    const a = defaultSpec();
    a.process?.env?.push('X=1');
    a.mounts?.pop();
    assert.equal(defaultSpec().mounts?.length, 7);
    assert.equal(defaultSpec().process?.env?.length, 2);
  });
});
