/** end-3, end-7, end-9 over real HTTP (spec.md#pulling-manifests, #pushing-manifests, #content-management). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { digestOf } from '../../../src/oci/digest.js';
import { MediaType } from '../../../src/oci/media-types.js';
import { errorCode, pushBlob, pushImage, storeKinds, testRegistry } from './helpers.js';

const put = (body: unknown, type: string = MediaType.imageManifest) => ({
  body: typeof body === 'string' ? body : JSON.stringify(body),
  headers: { 'Content-Type': type },
});

for (const kind of storeKinds)
  describe(`registry server: manifests (${kind} store)`, async () => {
    const reg = await testRegistry(kind, (c) => {
      c.limits.manifestBytes = 64 * 1024;
    });
    const img = await pushImage(reg, 'lib/app', 'v1');

    test('PUT by tag is 201 with Location and Docker-Content-Digest; GET by tag and digest serve the exact bytes', async () => {
      for (const ref of ['v1', img.digest]) {
        const res = await reg.req('GET', `/v2/lib/app/manifests/${ref}`, {
          headers: { Accept: MediaType.imageManifest },
        });
        assert.equal(res.status, 200);
        assert.deepEqual(res.body, img.bytes);
        assert.equal(res.headers.get('content-type'), MediaType.imageManifest);
        assert.equal(res.headers.get('docker-content-digest'), img.digest);
      }
      const head = await reg.req('HEAD', `/v2/lib/app/manifests/v1`);
      assert.equal(head.status, 200);
      assert.equal(head.headers.get('content-length'), String(img.bytes.length));
      assert.equal(head.headers.get('docker-content-digest'), img.digest);
    });

    test('served as stored whatever Accept says (no conversion, no 406)', async () => {
      for (const accept of [undefined, '*/*', MediaType.dockerManifest, 'application/json']) {
        const res = await reg.req('GET', '/v2/lib/app/manifests/v1', accept ? { headers: { Accept: accept } } : {});
        assert.equal(res.status, 200, accept);
        assert.equal(res.headers.get('content-type'), MediaType.imageManifest, accept);
      }
    });

    test('Docker schema2 manifests and manifest lists round-trip with their own Content-Type (GET and HEAD)', async () => {
      const docker = {
        schemaVersion: 2,
        mediaType: MediaType.dockerManifest,
        config: {
          mediaType: MediaType.dockerConfig,
          digest: img.config,
          size: JSON.stringify({ architecture: 'amd64', os: 'linux', seed: 'x' }).length,
        },
        layers: [{ mediaType: MediaType.dockerLayerGzip, digest: img.layer, size: 'layer-x'.length }],
      };
      const bytes = Buffer.from(JSON.stringify(docker, null, 3));
      const put1 = await reg.req('PUT', '/v2/lib/app/manifests/docker', {
        body: bytes,
        headers: { 'Content-Type': MediaType.dockerManifest },
      });
      assert.equal(put1.status, 201, put1.body.toString());
      const list = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MediaType.dockerManifestList,
          manifests: [
            {
              mediaType: MediaType.dockerManifest,
              digest: digestOf(bytes),
              size: bytes.length,
              platform: { architecture: 'amd64', os: 'linux' },
            },
          ],
        }),
      );
      const put2 = await reg.req('PUT', '/v2/lib/app/manifests/docker-list', {
        body: list,
        headers: { 'Content-Type': MediaType.dockerManifestList },
      });
      assert.equal(put2.status, 201, put2.body.toString());
      const accept = [MediaType.dockerManifestList, MediaType.dockerManifest].join(', ');
      for (const [ref, type, want] of [
        ['docker', MediaType.dockerManifest, bytes],
        ['docker-list', MediaType.dockerManifestList, list],
        [digestOf(bytes), MediaType.dockerManifest, bytes],
      ] as const) {
        for (const method of ['GET', 'HEAD']) {
          const res = await reg.req(method, `/v2/lib/app/manifests/${ref}`, { headers: { Accept: accept } });
          assert.equal(res.status, 200);
          assert.equal(res.headers.get('content-type'), type, `${method} ${ref}`);
          assert.equal(res.headers.get('docker-content-digest'), digestOf(want));
          if (method === 'GET') assert.deepEqual(res.body, want, 'the exact bytes pushed (indentation kept)');
        }
      }
    });

    test('PUT by digest: matching digest 201, mismatching 400 DIGEST_INVALID, unparsable 400 DIGEST_INVALID', async () => {
      const ok = await reg.req('PUT', `/v2/lib/app/manifests/${img.digest}`, put(img.bytes.toString()));
      assert.equal(ok.status, 201);
      assert.equal(ok.headers.get('location'), `/v2/lib/app/manifests/${img.digest}`);
      const wrong = await reg.req('PUT', `/v2/lib/app/manifests/${digestOf('x')}`, put(img.bytes.toString()));
      assert.equal(wrong.status, 400);
      assert.equal(errorCode(wrong), 'DIGEST_INVALID');
      const bad = await reg.req('PUT', '/v2/lib/app/manifests/sha256:123', put(img.bytes.toString()));
      assert.equal(bad.status, 400);
      assert.equal(errorCode(bad), 'DIGEST_INVALID');
    });

    test('invalid manifests are 400 MANIFEST_INVALID with detail', async () => {
      const notJson = await reg.req('PUT', '/v2/lib/app/manifests/bad', put('{nope'));
      assert.equal(notJson.status, 400);
      assert.equal(errorCode(notJson), 'MANIFEST_INVALID');
      const noLayers = await reg.req(
        'PUT',
        '/v2/lib/app/manifests/bad',
        put({ schemaVersion: 2, mediaType: MediaType.imageManifest, config: JSON.parse(img.bytes.toString()).config }),
      );
      assert.equal(noLayers.status, 400);
      assert.equal(errorCode(noLayers), 'MANIFEST_INVALID');
      assert.ok(Array.isArray(noLayers.json().errors[0].detail));
      const mismatch = await reg.req(
        'PUT',
        '/v2/lib/app/manifests/bad',
        put(img.bytes.toString(), MediaType.imageIndex),
      );
      assert.equal(errorCode(mismatch), 'MANIFEST_INVALID', 'Content-Type must match mediaType');
      const schema1 = await reg.req(
        'PUT',
        '/v2/lib/app/manifests/bad',
        put({ schemaVersion: 1, name: 'x' }, 'application/vnd.docker.distribution.manifest.v1+prettyjws'),
      );
      assert.equal(errorCode(schema1), 'MANIFEST_INVALID');
      const badTag = await reg.req('PUT', '/v2/lib/app/manifests/-bad', put(img.bytes.toString()));
      assert.equal(badTag.status, 400);
    });

    test('a manifest referencing blobs the repository lacks is 404 MANIFEST_BLOB_UNKNOWN', async () => {
      const res = await reg.req('PUT', '/v2/lib/empty/manifests/v1', put(img.bytes.toString()));
      assert.equal(res.status, 404);
      assert.equal(errorCode(res), 'MANIFEST_BLOB_UNKNOWN');
      assert.equal(res.json().errors[0].detail.length, 2);
    });

    test('an index must reference manifests present in the repository', async () => {
      const desc = { mediaType: MediaType.imageManifest, digest: img.digest, size: img.bytes.length };
      const good = { schemaVersion: 2, mediaType: MediaType.imageIndex, manifests: [desc] };
      assert.equal((await reg.req('PUT', '/v2/lib/app/manifests/multi', put(good, MediaType.imageIndex))).status, 201);
      const missing = { ...good, manifests: [{ ...desc, digest: digestOf('no such manifest') }] };
      const res = await reg.req('PUT', '/v2/lib/app/manifests/multi2', put(missing, MediaType.imageIndex));
      assert.equal(errorCode(res), 'MANIFEST_BLOB_UNKNOWN');
    });

    test('over the size limit is 413', async () => {
      const big = { ...JSON.parse(img.bytes.toString()), annotations: { pad: 'x'.repeat(70 * 1024) } };
      const res = await reg.req('PUT', '/v2/lib/app/manifests/big', put(big));
      assert.equal(res.status, 413);
    });

    test('a manifest with a subject is accepted even when the subject is absent, answered with OCI-Subject', async () => {
      const subject = { mediaType: MediaType.imageManifest, digest: digestOf('not pushed'), size: 10 };
      const empty = await pushBlob(reg, 'lib/app', '{}');
      const res = await reg.req(
        'PUT',
        '/v2/lib/app/manifests/sig',
        put({
          schemaVersion: 2,
          mediaType: MediaType.imageManifest,
          artifactType: 'application/vnd.example.sig',
          config: { mediaType: MediaType.emptyJSON, digest: empty, size: 2 },
          layers: [{ mediaType: MediaType.emptyJSON, digest: empty, size: 2 }],
          subject,
        }),
      );
      assert.equal(res.status, 201);
      assert.equal(res.headers.get('oci-subject'), subject.digest);
    });

    test('unknown manifests are 404 MANIFEST_UNKNOWN', async () => {
      for (const ref of ['nope', digestOf('nope')]) {
        const res = await reg.req('GET', `/v2/lib/app/manifests/${ref}`);
        assert.equal(res.status, 404);
        assert.equal(errorCode(res), 'MANIFEST_UNKNOWN');
      }
    });

    test('DELETE is 405 UNSUPPORTED when deletes are disabled', async () => {
      const res = await reg.req('DELETE', '/v2/lib/app/manifests/v1');
      assert.equal(res.status, 405);
      assert.equal(errorCode(res), 'UNSUPPORTED');
    });
  });

for (const kind of storeKinds)
  describe(`registry server: manifest deletes enabled (${kind} store)`, async () => {
    const reg = await testRegistry(kind, (c) => {
      c.deletes.enabled = true;
    });
    const img = await pushImage(reg, 'd/app', 'a');
    await reg.req('PUT', '/v2/d/app/manifests/b', put(img.bytes.toString()));

    test('deleting a tag is 202 and leaves the manifest and other tags', async () => {
      assert.equal((await reg.req('DELETE', '/v2/d/app/manifests/a')).status, 202);
      assert.equal((await reg.req('GET', '/v2/d/app/manifests/a')).status, 404);
      assert.equal((await reg.req('GET', '/v2/d/app/manifests/b')).status, 200);
    });

    test('deleting by digest is 202 and removes every tag pointing to it', async () => {
      assert.equal((await reg.req('DELETE', `/v2/d/app/manifests/${img.digest}`)).status, 202);
      assert.equal((await reg.req('GET', `/v2/d/app/manifests/${img.digest}`)).status, 404);
      assert.equal((await reg.req('GET', '/v2/d/app/manifests/b')).status, 404);
      const again = await reg.req('DELETE', `/v2/d/app/manifests/${img.digest}`);
      assert.equal(errorCode(again), 'MANIFEST_UNKNOWN');
    });

    test('deleting in an unknown repository is 404 NAME_UNKNOWN', async () => {
      const res = await reg.req('DELETE', '/v2/no/such/manifests/latest');
      assert.equal(res.status, 404);
      assert.equal(errorCode(res), 'NAME_UNKNOWN');
    });
  });
