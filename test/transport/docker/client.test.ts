/** The registry client against in-test servers: resume, retries, corrupt blobs, Bearer tokens. */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ImageLayout } from '../../../src/image/layout/layout.js';
import { MediaType } from '../../../src/oci/media-types.js';
import { lookupCredentials, removeCredentials, storeCredentials } from '../../../src/transport/auth-file.js';
import { copyImage } from '../../../src/transport/copy.js';
import { parseChallenges } from '../../../src/transport/docker/challenge.js';
import { tempDir } from '../../helpers/fixtures.js';
import { putTinyImage, type TinyImage } from '../../image/layout/tiny-image.js';
import { type FakeRegistry, startFakeRegistry } from './fake-registry.js';

process.env.HULL_RETRY_DELAY_MS = '5';
const insecure = { tlsVerify: false };

describe('registry client', () => {
  const tmp = tempDir();
  let img: TinyImage;
  let fake: FakeRegistry;
  before(async () => {
    const layout = await ImageLayout.create(join(tmp, 'src'));
    // A layer big enough that dropping it half way is a real mid-body drop.
    img = await putTinyImage(layout, { content: 'x'.repeat(200_000) + Math.random() });
    fake = await startFakeRegistry(layout, 'img', {
      v1: { digest: img.manifest.digest, mediaType: MediaType.imageManifest },
    });
  });
  after(() => fake.close());

  const src = () => `docker://${fake.host}/img:v1`;

  it('parses WWW-Authenticate challenges', () => {
    const [bearer, basic] = parseChallenges(
      'Bearer realm="https://auth.example/token",service="registry",scope="repository:a/b:pull,push", Basic realm="x"',
    );
    assert.equal(bearer?.scheme, 'bearer');
    assert.equal(bearer?.params.scope, 'repository:a/b:pull,push');
    assert.equal(bearer?.params.service, 'registry');
    assert.equal(basic?.scheme, 'basic');
  });

  it('resumes a blob download dropped mid-body with Range and verifies the digest', async () => {
    let dropped = false;
    fake.log.length = 0;
    fake.hook = (req, res, blob) => {
      if (!blob || dropped || req.url?.endsWith(img.layer.digest) !== true || req.method !== 'GET') return false;
      dropped = true;
      res.writeHead(200, { 'content-length': blob.length });
      res.write(blob.subarray(0, Math.floor(blob.length / 2)), () => setTimeout(() => res.socket?.destroy(), 20));
      return true;
    };
    const out = join(tmp, 'resumed');
    const r = await copyImage(src(), `oci:${out}:v1`, { src: insecure });
    fake.hook = undefined;
    assert.ok(dropped);
    assert.equal(r.digest, img.manifest.digest);
    const ranged = fake.log.filter((l) => l.range);
    assert.equal(ranged.length, 1);
    assert.match(ranged[0]!.range!, /^bytes=\d+-$/);
    const layout = await ImageLayout.open(out);
    assert.equal((await layout.readBlob(img.layer)).length, img.layer.size);
  });

  it('retries 503 answers with backoff', async () => {
    let failures = 0;
    fake.hook = (req, res) => {
      if (req.url?.includes('/manifests/') && failures < 2) {
        failures++;
        res.writeHead(503).end();
        return true;
      }
      return false;
    };
    const r = await copyImage(src(), `oci:${join(tmp, 'retried')}:v1`, { src: insecure });
    fake.hook = undefined;
    assert.equal(failures, 2);
    assert.equal(r.digest, img.manifest.digest);
  });

  it('retries connection errors (reset before any answer) with backoff, and gives up after a bound', async () => {
    let resets = 0;
    fake.hook = (req) => {
      if (req.url?.includes('/manifests/') && resets < 2) {
        resets++;
        req.socket.destroy();
        return true;
      }
      return false;
    };
    const r = await copyImage(src(), `oci:${join(tmp, 'reset')}:v1`, { src: insecure });
    assert.equal(resets, 2);
    assert.equal(r.digest, img.manifest.digest);
    let always = 0;
    fake.hook = (req) => {
      if (!req.url?.includes('/manifests/')) return false;
      always++;
      req.socket.destroy();
      return true;
    };
    await assert.rejects(copyImage(src(), `oci:${join(tmp, 'reset-forever')}:v1`, { src: insecure }), /manifests\/v1/);
    fake.hook = undefined;
    assert.equal(always, 5, 'MAX_TRIES attempts, then the error');
  });

  it('refuses a corrupt blob and tags nothing', async () => {
    fake.hook = (req, res, blob) => {
      if (!blob || !req.url?.endsWith(img.layer.digest)) return false;
      const bad = Buffer.from(blob);
      bad[bad.length - 10]! ^= 0xff;
      res.writeHead(200, { 'content-length': bad.length }).end(req.method === 'HEAD' ? undefined : bad);
      return true;
    };
    const out = join(tmp, 'corrupt');
    await assert.rejects(copyImage(src(), `oci:${out}:v1`, { src: insecure }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'DIGEST_MISMATCH');
      return true;
    });
    fake.hook = undefined;
    const layout = await ImageLayout.open(out);
    assert.deepEqual(await layout.listTags(), []);
    assert.equal(await layout.hasBlob(img.layer.digest), false);
  });

  it('reports a missing manifest in one line with the registry code', async () => {
    await assert.rejects(
      copyImage(`docker://${fake.host}/img:nope`, `oci:${join(tmp, 'missing')}:v1`, { src: insecure }),
      /docker:\/\/127\.0\.0\.1:\d+\/img:nope: manifest unknown \(MANIFEST_UNKNOWN\)/,
    );
  });

  it('does the Bearer token flow with Basic credentials and caches the token', async () => {
    const scopes: string[] = [];
    let tokenRequests = 0;
    const tokens = createServer((req, res) => {
      tokenRequests++;
      const u = new URL(req.url ?? '', 'http://x');
      scopes.push(...u.searchParams.getAll('scope'));
      const ok = req.headers.authorization === `Basic ${Buffer.from('alice:s3cret').toString('base64')}`;
      if (!ok) return void res.writeHead(401).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: 'opaque-123' }));
    });
    await new Promise<void>((r) => tokens.listen(0, '127.0.0.1', r));
    const realm = `http://127.0.0.1:${(tokens.address() as AddressInfo).port}/token`;
    fake.log.length = 0;
    fake.hook = (req, res) => {
      if (req.headers.authorization === 'Bearer opaque-123') return false;
      res
        .writeHead(401, {
          'www-authenticate': `Bearer realm="${realm}",service="fake"`,
          'content-type': 'application/json',
        })
        .end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
      return true;
    };
    try {
      const r = await copyImage(src(), `oci:${join(tmp, 'bearer')}:v1`, {
        src: { ...insecure, creds: { username: 'alice', password: 's3cret' } },
      });
      assert.equal(r.digest, img.manifest.digest);
      assert.deepEqual([...new Set(scopes)], ['repository:img:pull']);
      assert.equal(tokenRequests, 1);
      await assert.rejects(
        copyImage(src(), `oci:${join(tmp, 'bearer-bad')}:v1`, {
          src: { ...insecure, creds: { username: 'alice', password: 'wrong' } },
        }),
        /refused the credentials of 'alice'/,
      );
    } finally {
      fake.hook = undefined;
      tokens.close();
    }
  });

  it('reads, writes and removes auth.json entries', async () => {
    const file = join(tmp, 'auth', 'auth.json');
    await storeCredentials('example.com:5000', { username: 'u', password: 'p:w' }, file);
    assert.deepEqual(await lookupCredentials('example.com:5000', 'a/b', file), { username: 'u', password: 'p:w' });
    assert.equal(await lookupCredentials('other.com', undefined, file), undefined);
    assert.equal(await removeCredentials('example.com:5000', file), true);
    assert.equal(await lookupCredentials('example.com:5000', undefined, file), undefined);
  });
});
