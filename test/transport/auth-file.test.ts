/**
 * Where credentials come from, as podman, skopeo and docker look: auth.json files in their
 * order, docker's ~/.docker/config.json (or $DOCKER_CONFIG/config.json), and credential helpers
 * (`credHelpers`, docker's `credsStore`) run by the docker-credential-helpers protocol. End to
 * end: `hull list-tags` against a hull registry with Basic auth, logged in only through docker's file.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, beforeEach, describe, it } from 'node:test';
import { createBasicAuthorizer } from '../../src/registry/auth/basic.js';
import { defaultConfig } from '../../src/registry/config.js';
import { startRegistry } from '../../src/registry/server/server.js';
import { lookupCredentials } from '../../src/transport/auth-file.js';
import { hullBin, tempDir } from '../helpers/fixtures.js';
import { okAsync, runAsync } from '../helpers/run.js';
import { writeHtpasswd } from '../registry/auth/helpers.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

const saved = { ...process.env };
after(() => {
  process.env = saved;
});

/** A fresh home with no auth files, and the environment pointing every search path into it. */
const base = tempDir('hull-authfile-');
function freshHome(): string {
  const home = mkdtempSync(join(base, 'home-'));
  process.env = { ...saved, HOME: home, XDG_RUNTIME_DIR: join(home, 'run') };
  delete process.env.REGISTRY_AUTH_FILE;
  delete process.env.DOCKER_CONFIG;
  return home;
}

function writeJson(file: string, doc: unknown): void {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, JSON.stringify(doc));
}

/** A real credential helper program: answers for one server, "not found" (exit 1) for others. */
function installHelper(home: string, name: string, server: string, user: string, secret: string): void {
  const bin = join(home, 'bin');
  mkdirSync(bin, { recursive: true });
  const file = join(bin, `docker-credential-${name}`);
  writeFileSync(
    file,
    `#!/bin/sh
[ "$1" = get ] || exit 2
read -r server
if [ "$server" = '${server}' ]; then
  printf '{"ServerURL":"%s","Username":"${user}","Secret":"${secret}"}' "$server"
else
  echo "credentials not found in native keychain"; exit 1
fi
`,
  );
  chmodSync(file, 0o755);
  process.env.PATH = `${bin}:${saved.PATH}`;
}

describe('credential lookup', () => {
  beforeEach(() => freshHome());

  it("reads docker's ~/.docker/config.json, Docker Hub's URL key included", async () => {
    const home = process.env.HOME!;
    writeJson(join(home, '.docker', 'config.json'), {
      auths: {
        'https://index.docker.io/v1/': { auth: b64('hubuser:hubpw') },
        '127.0.0.1:5000': { auth: b64('u:p:w') },
      },
    });
    assert.deepEqual(await lookupCredentials('docker.io', 'library/busybox'), {
      username: 'hubuser',
      password: 'hubpw',
    });
    assert.deepEqual(await lookupCredentials('127.0.0.1:5000', 'a/b'), { username: 'u', password: 'p:w' });
    assert.equal(await lookupCredentials('127.0.0.1:5001'), undefined);
  });

  it('$DOCKER_CONFIG moves the docker file; podman and skopeo auth.json files are read first', async () => {
    const home = process.env.HOME!;
    const dockerDir = join(home, 'elsewhere');
    process.env.DOCKER_CONFIG = dockerDir;
    writeJson(join(dockerDir, 'config.json'), { auths: { 'r.example': { auth: b64('docker:1') } } });
    writeJson(join(home, '.docker', 'config.json'), { auths: { 'r.example': { auth: b64('ignored:0') } } });
    assert.deepEqual(await lookupCredentials('r.example'), { username: 'docker', password: '1' });
    writeJson(join(home, '.config', 'containers', 'auth.json'), { auths: { 'r.example': { auth: b64('podman:2') } } });
    assert.deepEqual(await lookupCredentials('r.example'), { username: 'podman', password: '2' });
    writeJson(join(home, 'run', 'containers', 'auth.json'), { auths: { 'r.example': { auth: b64('login:3') } } });
    assert.deepEqual(await lookupCredentials('r.example'), { username: 'login', password: '3' });
  });

  it('asks the credential helper credHelpers names, and the credsStore docker login used', async () => {
    const home = process.env.HOME!;
    installHelper(home, 'hulltest', 'r.example:5000', 'helped', 's3cret');
    writeJson(join(home, '.docker', 'config.json'), {
      credHelpers: { 'r.example:5000': 'hulltest' },
      auths: { 'r.example:5000': { auth: b64('stale:entry') } },
    });
    assert.deepEqual(await lookupCredentials('r.example:5000', 'x'), { username: 'helped', password: 's3cret' });

    writeJson(join(home, '.docker', 'config.json'), { credsStore: 'hulltest', auths: { 'r.example:5000': {} } });
    assert.deepEqual(await lookupCredentials('r.example:5000'), { username: 'helped', password: 's3cret' });
    // The helper has nothing for another registry: anonymous, not an error.
    writeJson(join(home, '.docker', 'config.json'), { credsStore: 'hulltest', auths: { 'other.example': {} } });
    assert.equal(await lookupCredentials('other.example'), undefined);

    writeJson(join(home, '.docker', 'config.json'), { credHelpers: { 'r.example:5000': 'not-installed' } });
    await assert.rejects(lookupCredentials('r.example:5000'), /docker-credential-not-installed is not installed/);
    writeJson(join(home, '.docker', 'config.json'), { credHelpers: { 'r.example:5000': '../evil' } });
    await assert.rejects(lookupCredentials('r.example:5000'), /is not a credential helper name/);
  });

  it('hull list-tags logs in to a registry with the credentials of docker login', async () => {
    const home = process.env.HOME!;
    const reg = await startRegistry(
      { ...defaultConfig(), addr: '127.0.0.1:0', root: join(home, 'root'), log: { quiet: true } },
      { authorizer: createBasicAuthorizer({ htpasswdFile: writeHtpasswd(home, { dan: 'pw' }), realm: 'r' }) },
    );
    try {
      const host = new URL(reg.url).host;
      const blob = Buffer.from('{}');
      const { digestOf } = await import('../../src/oci/digest.js');
      const auth = { authorization: `Basic ${b64('dan:pw')}` };
      const push = await fetch(`${reg.url}/v2/d/x/blobs/uploads/?digest=${digestOf(blob)}`, {
        method: 'POST',
        body: blob,
        headers: auth,
      });
      assert.equal(push.status, 201);
      const manifest = JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digestOf(blob), size: 2 },
        layers: [],
      });
      const put = await fetch(`${reg.url}/v2/d/x/manifests/v1`, {
        method: 'PUT',
        body: manifest,
        headers: { ...auth, 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
      });
      assert.equal(put.status, 201);

      const args = [hullBin, 'list-tags', '--tls-verify=false', `docker://${host}/d/x`];
      const anonymous = await runAsync(process.execPath, args);
      assert.notEqual(anonymous.status, 0, 'no credentials anywhere: refused');
      writeJson(join(home, '.docker', 'config.json'), { auths: { [host]: { auth: b64('dan:pw') } } });
      assert.deepEqual(JSON.parse((await okAsync(process.execPath, args)).stdout).Tags, ['v1']);
    } finally {
      await reg.close();
    }
  });
});
