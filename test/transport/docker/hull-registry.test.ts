/**
 * hull copy against `hull registry` itself: the Bearer challenge flow with repository scopes
 * (a mount asks pull on the source repository too), cross-repository mounts under token auth,
 * and the bound on concurrent blob transfers (--concurrency), counted at the server.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { ImageLayout } from '../../../src/image/layout/layout.js';
import { MediaType } from '../../../src/oci/media-types.js';
import type { Descriptor } from '../../../src/oci/types.js';
import { createTokenAuthorizer } from '../../../src/registry/auth/token.js';
import { defaultConfig } from '../../../src/registry/config.js';
import { createRegistryHandler } from '../../../src/registry/server/handler.js';
import type { RequestLog } from '../../../src/registry/server/log.js';
import { openStore } from '../../../src/registry/server/open-store.js';
import { startRegistry } from '../../../src/registry/server/server.js';
import { copyImage } from '../../../src/transport/copy.js';
import { tempDir } from '../../helpers/fixtures.js';
import { writeHtpasswd } from '../../registry/auth/helpers.js';

const insecure = { tlsVerify: false };

/** An image of `n` distinct 100 KiB gzip layers, tagged `tag`. */
async function manyLayers(dir: string, n: number, tag: string): Promise<Descriptor> {
  const layout = await ImageLayout.create(dir);
  const layers: Descriptor[] = [];
  for (let i = 0; i < n; i++)
    layers.push(
      await layout.putBlobBuffer(
        gzipSync(Buffer.alloc(100 * 1024, `${tag}-${i}`), { level: 0 }),
        MediaType.layerTarGzip,
      ),
    );
  const config = await layout.putJSON(
    { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) } },
    MediaType.imageConfig,
  );
  const manifest = await layout.putJSON(
    { schemaVersion: 2, mediaType: MediaType.imageManifest, config, layers },
    MediaType.imageManifest,
  );
  await layout.tag(tag, manifest);
  return manifest;
}

describe('hull copy against hull registry', () => {
  const tmp = tempDir('hull-copy-hullreg-');

  it('Bearer flow: scoped tokens for push, pull and cross-repository mounts; anonymous refused', async () => {
    const htpasswdFile = writeHtpasswd(tmp, { alice: 'pw', bob: 'pw2' });
    const logs: RequestLog[] = [];
    const reg = await startRegistry(
      { ...defaultConfig(), addr: '127.0.0.1:0', root: join(tmp, 'token-root') },
      {
        authorizer: createTokenAuthorizer({
          realm: '/token',
          service: 'hull-test',
          issuer: 'hull-test',
          htpasswdFile,
          access: [
            { repository: 'team/*', users: ['alice'], actions: ['*'] },
            { repository: 'bob/*', users: ['bob'], actions: ['*'] },
          ],
        }),
        log: (l) => logs.push(l),
      },
    );
    after(() => reg.close(100));
    const host = new URL(reg.url).host;
    const src = join(tmp, 'token-src');
    const manifest = await manyLayers(src, 2, 'v1');
    const alice = { ...insecure, creds: { username: 'alice', password: 'pw' } };

    await assert.rejects(
      copyImage(`oci:${src}:v1`, `docker://${host}/team/a:v1`, { dst: insecure }),
      /UNAUTHORIZED|refused anonymous access|authentication required/,
    );
    const pushed = await copyImage(`oci:${src}:v1`, `docker://${host}/team/a:v1`, { dst: alice });
    assert.equal(pushed.digest, manifest.digest);
    const tokenScopes = logs
      .filter((l) => l.path.startsWith('/token?'))
      .map((l) => new URL(l.path, 'http://x').searchParams.getAll('scope'));
    assert.ok(
      tokenScopes.some((s) => s.includes('repository:team/a:pull,push')),
      JSON.stringify(tokenScopes),
    );

    logs.length = 0;
    await copyImage(`docker://${host}/team/a:v1`, `docker://${host}/team/b:v1`, { src: alice, dst: alice });
    const mounts = logs.filter((l) => l.method === 'POST' && l.path.includes('mount='));
    assert.equal(mounts.length, 3, 'config and both layers mounted');
    assert.ok(mounts.every((l) => l.status === 201));
    assert.equal(
      logs.filter((l) => l.method === 'PATCH' || (l.method === 'PUT' && l.path.includes('/uploads/'))).length,
      0,
    );
    assert.ok(
      logs.some((l) => l.path.startsWith('/token?') && l.path.includes(encodeURIComponent('repository:team/a:pull'))),
      'the mount asked pull on the source repository',
    );

    // bob may not read team/a: the mount falls back to an upload he must feed himself, and the
    // pull side refuses him outright.
    await assert.rejects(
      copyImage(`docker://${host}/team/a:v1`, `docker://${host}/bob/a:v1`, {
        src: { ...insecure, creds: { username: 'bob', password: 'pw2' } },
        dst: { ...insecure, creds: { username: 'bob', password: 'pw2' } },
      }),
      /UNAUTHORIZED|DENIED|authentication required|denied/i,
    );

    const back = join(tmp, 'token-back');
    const pulled = await copyImage(`docker://${host}/team/b:v1`, `oci:${back}:v1`, { src: alice });
    assert.equal(pulled.digest, manifest.digest);
  });

  describe('the concurrency bound', () => {
    let server: Server;
    let host = '';
    let open = 0;
    let maxOpen = 0;
    const src = join(tmp, 'conc-src');
    before(async () => {
      await manyLayers(src, 8, 'v1');
      const root = join(tmp, 'conc-root');
      const handler = createRegistryHandler({
        store: await openStore(root),
        config: { ...defaultConfig(), root },
      });
      // Counts upload sessions between their POST (202) and their closing PUT: blobs in flight.
      server = createServer((req, res) => {
        const url = req.url ?? '';
        if (req.method === 'POST' && url.includes('/blobs/uploads/') && !url.includes('mount='))
          res.once('finish', () => {
            if (res.statusCode === 202) maxOpen = Math.max(maxOpen, ++open);
          });
        if (req.method === 'PUT' && url.includes('/blobs/uploads/')) res.once('finish', () => open--);
        handler(req, res);
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => {
      server.closeAllConnections();
      server.close();
    });

    for (const concurrency of [1, 2, 4])
      it(`--concurrency ${concurrency}: never more than ${concurrency} blobs in flight`, async () => {
        open = 0;
        maxOpen = 0;
        await copyImage(`oci:${src}:v1`, `docker://${host}/conc/c${concurrency}:v1`, { dst: insecure, concurrency });
        assert.ok(maxOpen >= 1 && maxOpen <= concurrency, `${maxOpen} in flight`);
        assert.equal(open, 0);
      });
  });
});
