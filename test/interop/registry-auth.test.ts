/**
 * `hull registry serve` with authentication against the real clients: podman login/push/pull
 * and skopeo copy, with htpasswd Basic auth (over TLS, self-signed) and with token auth
 * (plain HTTP, the token endpoint on the same server). Each podman runs on a private storage
 * root and auth file so nothing leaks into the machine's own.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ImageLayout } from '../../src/image/layout/layout.js';
import { createBasicAuthorizer } from '../../src/registry/auth/basic.js';
import { createTokenAuthorizer } from '../../src/registry/auth/token.js';
import type { Authorizer } from '../../src/registry/auth/types.js';
import { defaultConfig, type RegistryConfig } from '../../src/registry/config.js';
import { startRegistry } from '../../src/registry/server/server.js';
import { createWebHandler } from '../../src/registry/web/handler.js';
import { hullBin, tempDir } from '../helpers/fixtures.js';
import { okAsync, runAsync } from '../helpers/run.js';
import { putTinyImage, tarOf } from '../image/layout/tiny-image.js';
import { writeHtpasswd } from '../registry/auth/helpers.js';
import { makeTlsFixture } from '../registry/auth/tls-fixture.js';
import { runInPty } from '../registry/pty.js';
import { spawnRegistry } from '../registry/server/child.js';
import { fsStore } from '../registry/web/real-store.js';

const haveTools = ['podman', 'skopeo'].every((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status === 0);

/** podman on a private vfs store and auth file. */
function podmanIn(dir: string) {
  const authfile = join(dir, 'auth.json');
  const base = ['--root', join(dir, 'root'), '--runroot', join(dir, 'runroot'), '--storage-driver', 'vfs'];
  const env = { ...process.env, REGISTRY_AUTH_FILE: authfile };
  return {
    authfile,
    ok: (...args: string[]) => okAsync('podman', [...base, ...args], { env }),
    run: (...args: string[]) => runAsync('podman', [...base, ...args], { env }),
  };
}

async function serve(authorizer: Authorizer, tls?: { cert: string; key: string }) {
  const root = tempDir('hull-registry-');
  const config: RegistryConfig = {
    ...defaultConfig(),
    addr: '127.0.0.1:0',
    root,
    deletes: { enabled: true },
    log: { quiet: true },
    ...(tls ? { tls } : {}),
  };
  const reg = await startRegistry(config, { authorizer, web: createWebHandler({ authorizer }), store: fsStore(root) });
  return { ...reg, host: new URL(reg.url).host };
}

/** A podman-local image made from a one-file rootfs tarball. */
async function importImage(p: ReturnType<typeof podmanIn>, dir: string, name: string): Promise<void> {
  const tarball = join(dir, 'rootfs.tar');
  writeFileSync(tarball, await tarOf({ 'hello.txt': `hello from ${name}\n` }));
  await p.ok('import', '--quiet', tarball, name);
}

describe('registry auth interop', { skip: haveTools ? false : 'podman or skopeo not installed' }, () => {
  it('htpasswd over TLS: podman login, push, pull; anonymous refused with a Basic challenge', async () => {
    const dir = tempDir('hull-auth-interop-');
    const htpasswdFile = writeHtpasswd(dir, { alice: 'secret', bob: 'other' });
    const tls = makeTlsFixture();
    const reg = await serve(
      createBasicAuthorizer({
        htpasswdFile,
        realm: 'hull test',
        access: [{ repository: 'team/*', users: ['alice'], actions: ['*'] }],
      }),
      { cert: tls.certFile, key: tls.keyFile },
    );
    try {
      const p = podmanIn(dir);
      const login = await p.run('login', '--tls-verify=false', '-u', 'alice', '-p', 'wrong', reg.host);
      assert.notEqual(login.status, 0, 'a wrong password must not log in');
      await p.ok('login', '--tls-verify=false', '-u', 'alice', '-p', 'secret', reg.host);

      await importImage(p, dir, 'localhost/hull-auth:latest');
      const ref = `${reg.host}/team/app:v1`;
      await p.ok('push', '--tls-verify=false', 'localhost/hull-auth:latest', ref);
      await p.ok('rmi', '-f', 'localhost/hull-auth:latest');
      await p.ok('pull', '--tls-verify=false', ref);
      assert.match((await p.ok('images', '--format', '{{.Repository}}:{{.Tag}}')).stdout, /team\/app:v1/);

      // bob may log in but not push into team/.
      await p.ok('logout', reg.host);
      await p.ok('login', '--tls-verify=false', '-u', 'bob', '-p', 'other', reg.host);
      assert.notEqual((await p.run('push', '--tls-verify=false', ref, `${reg.host}/team/bob:v1`)).status, 0);

      // Anonymous: 401 with the challenge (curl, since the cert is self-signed).
      const curl = (await okAsync('curl', ['-ksi', `${reg.url}/v2/team/app/manifests/v1`])).stdout;
      assert.match(curl, /^HTTP\/[\d.]+ 401/);
      assert.match(curl, /www-authenticate: Basic realm="hull test"/i);
      const base = (await okAsync('curl', ['-ksi', `${reg.url}/v2/`])).stdout;
      assert.match(base, /^HTTP\/[\d.]+ 401/);
    } finally {
      await reg.close();
    }
  });

  it('serve --htpasswd --tls-cert --tls-key: podman login then push/pull, anonymous refused with 401 and a challenge, hull login prompts', async () => {
    const dir = tempDir('hull-flags-interop-');
    const htpasswd = writeHtpasswd(dir, { alice: 'secret' });
    const tls = makeTlsFixture();
    const reg = await spawnRegistry(join(dir, 'root'), [
      '--quiet',
      '--htpasswd',
      htpasswd,
      '--tls-cert',
      tls.certFile,
      '--tls-key',
      tls.keyFile,
    ]);
    assert.match(reg.url, /^https:\/\//, 'the flags turn on HTTPS');
    const p = podmanIn(dir);
    await importImage(p, dir, 'localhost/hull-flags:latest');
    const ref = `${reg.host}/team/app:v1`;
    writeFileSync(p.authfile, '{"auths":{}}\n'); // podman wants the file to exist before any login

    const anonPush = await p.run('push', '--tls-verify=false', 'localhost/hull-flags:latest', ref);
    assert.notEqual(anonPush.status, 0, 'anonymous push refused');
    assert.match(anonPush.stderr, /unauthorized|authentication required/i);
    await p.ok('login', '--tls-verify=false', '-u', 'alice', '-p', 'secret', reg.host);
    await p.ok('push', '--tls-verify=false', 'localhost/hull-flags:latest', ref);
    await p.ok('rmi', '-f', 'localhost/hull-flags:latest');
    await p.ok('pull', '--tls-verify=false', ref);
    assert.match((await p.ok('images', '--format', '{{.Repository}}:{{.Tag}}')).stdout, /team\/app:v1/);

    // hull reads the auth.json podman wrote; it verifies TLS unless told not to.
    const env = { ...process.env, REGISTRY_AUTH_FILE: p.authfile };
    const verified = await runAsync(process.execPath, [hullBin, 'inspect', `docker://${ref}`], { env });
    assert.notEqual(verified.status, 0, 'a self-signed certificate is refused by default');
    assert.match(verified.stderr, /CERT|certificate/i);
    const info = JSON.parse(
      (await okAsync(process.execPath, [hullBin, 'inspect', '--tls-verify=false', `docker://${ref}`], { env })).stdout,
    ) as { RepoTags: string[] };
    assert.deepEqual(info.RepoTags, ['v1']);

    await p.ok('logout', reg.host);
    await p.ok('rmi', '-f', ref);
    const anonPull = await p.run('pull', '--tls-verify=false', ref);
    assert.notEqual(anonPull.status, 0, 'anonymous pull refused');
    assert.match(anonPull.stderr, /unauthorized|authentication required/i);
    const curl = (await okAsync('curl', ['-ksi', `${reg.url}/v2/team/app/manifests/v1`])).stdout;
    assert.match(curl, /^HTTP\/[\d.]+ 401/);
    assert.match(curl, /www-authenticate: Basic realm="hull registry"/i);
    assert.match(curl, /"code":"UNAUTHORIZED"/);

    // hull login on a terminal asks for the user name and (unechoed) password, like podman login.
    const authfile = join(dir, 'hull-auth.json');
    const login = await runInPty(
      [process.execPath, hullBin, 'login', '--tls-verify=false', '--authfile', authfile, reg.host],
      [
        [/Username: /, 'alice'],
        [/Password: /, 'secret'],
      ],
    );
    assert.equal(login.status, 0, login.output);
    assert.match(login.output, /Login Succeeded/);
    assert.doesNotMatch(login.output, /secret/, 'the password is not echoed');
    // Pasted ahead in one go (user, Enter, password, Enter): still nothing of the password shown.
    const pasted = await runInPty(
      [process.execPath, hullBin, 'login', '--tls-verify=false', '--authfile', authfile, reg.host],
      [[/Username: /, 'alice\rsecret']],
    );
    assert.equal(pasted.status, 0, pasted.output);
    assert.doesNotMatch(pasted.output, /secret/, 'type-ahead is not echoed either');
    const out = join(dir, 'pulled');
    await okAsync(process.execPath, [
      hullBin,
      'copy',
      '--src-tls-verify=false',
      '--authfile',
      authfile,
      `docker://${ref}`,
      `oci:${out}:v1`,
    ]);
    assert.ok(await (await ImageLayout.open(out)).resolveTag('v1'), 'pulled with the prompted credentials');
    const refused = await runInPty(
      [process.execPath, hullBin, 'login', '--tls-verify=false', '-u', 'alice', '--authfile', authfile, reg.host],
      [[/Password: /, 'wrong']],
    );
    assert.equal(refused.status, 1);
    assert.match(refused.output, /refused the credentials of 'alice'/);
  });

  it('token auth: podman login and pull, skopeo copy with --dest-creds; anonymous refused with a Bearer challenge', async () => {
    const dir = tempDir('hull-token-interop-');
    const htpasswdFile = writeHtpasswd(dir, { alice: 'secret' });
    const reg = await serve(
      createTokenAuthorizer({
        realm: '/token',
        service: 'hull-interop',
        issuer: 'hull-interop-issuer',
        htpasswdFile,
        access: [
          { repository: 'team/*', users: ['alice'], actions: ['*'] },
          { repository: 'public/*', anonymous: true, actions: ['pull'] },
          { repository: 'public/*', users: ['alice'], actions: ['push'] },
        ],
      }),
    );
    try {
      const layout = await ImageLayout.create(join(dir, 'layout'));
      const img = await putTinyImage(layout);
      await layout.tag('v1', img.manifest);
      await okAsync('skopeo', [
        '--insecure-policy',
        'copy',
        '--dest-tls-verify=false',
        '--dest-creds',
        'alice:secret',
        `oci:${layout.dir}:v1`,
        `docker://${reg.host}/team/tiny:v1`,
      ]);
      const wrongCreds = await runAsync('skopeo', [
        '--insecure-policy',
        'copy',
        '--dest-tls-verify=false',
        '--dest-creds',
        'alice:nope',
        `oci:${layout.dir}:v1`,
        `docker://${reg.host}/team/tiny:v2`,
      ]);
      assert.notEqual(wrongCreds.status, 0, 'wrong credentials must not push');

      const p = podmanIn(dir);
      assert.notEqual((await p.run('login', '--tls-verify=false', '-u', 'alice', '-p', 'wrong', reg.host)).status, 0);
      await p.ok('login', '--tls-verify=false', '-u', 'alice', '-p', 'secret', reg.host);
      await p.ok('pull', '--tls-verify=false', `${reg.host}/team/tiny:v1`);
      await importImage(p, dir, 'localhost/hull-token:latest');
      await p.ok('push', '--tls-verify=false', 'localhost/hull-token:latest', `${reg.host}/public/open:v1`);
      await p.ok('logout', reg.host);

      // Anonymous clients: public/ pulls through an anonymous token, team/ is refused.
      await p.ok('rmi', '-f', `${reg.host}/public/open:v1`);
      await p.ok('pull', '--tls-verify=false', `${reg.host}/public/open:v1`);
      assert.notEqual((await p.run('pull', '--tls-verify=false', `${reg.host}/team/tiny:v1`)).status, 0);

      const res = await fetch(`${reg.url}/v2/team/tiny/manifests/v1`);
      assert.equal(res.status, 401);
      assert.equal(
        res.headers.get('www-authenticate'),
        `Bearer realm="${reg.url}/token",service="hull-interop",scope="repository:team/tiny:pull"`,
      );
      const inspected = JSON.parse(
        (
          await okAsync('skopeo', [
            'inspect',
            '--tls-verify=false',
            '--creds',
            'alice:secret',
            `docker://${reg.host}/team/tiny:v1`,
          ])
        ).stdout,
      ) as { Digest: string };
      assert.equal(inspected.Digest, img.manifest.digest);
    } finally {
      await reg.close();
    }
  });
});
