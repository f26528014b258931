/**
 * hull pull and hull run from the CNCF registry (docker-registry, started here on an ephemeral
 * port on 127.0.0.1), not only from hull's own (issue 5).
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startDockerRegistry } from '../../helpers/docker-registry.js';
import { type EngineEnv, engineEnv, freePort } from './engine-env.js';

describe('hull pull/run from docker-registry', () => {
  let e: EngineEnv;
  let registry: ChildProcess | undefined;
  let host = '';
  const work = mkdtempSync(join(tmpdir(), 'hull-engine-dreg-'));
  before(async () => {
    e = await engineEnv();
    host = `127.0.0.1:${await freePort()}`;
    registry = await startDockerRegistry(work, host);
    // Copy the env's busybox from hull's registry into docker-registry.
    const { okAsync } = await import('../../helpers/run.js');
    const { hullBin } = await import('../../helpers/fixtures.js');
    await okAsync(process.execPath, [
      hullBin,
      'copy',
      '--src-tls-verify=false',
      '--dest-tls-verify=false',
      `docker://${e.image}`,
      `docker://${host}/library/busybox:cncf`,
    ]);
  });
  after(async () => {
    await e?.close();
    registry?.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  });

  it('pulls the image, lists it, and runs a container from it', () => {
    const ref = `${host}/library/busybox:cncf`;
    const pull = e.ok(['pull', ref]);
    // As podman pull: progress on stderr, the image id on stdout.
    assert.match(pull.stdout.trim(), /^[0-9a-f]{64}$/);
    assert.match(e.ok(['images']).stdout, /library\/busybox\s+cncf/);
    const r = e.hull(['run', '--rm', '--network', 'none', ref, 'sh', '-c', 'echo "$GREETING"; exit 2']);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stdout, 'hello from the image\n');
    e.ok(['rmi', ref]);
  });
});
