/** end-1, end-2, end-10 and routing errors over real HTTP (spec.md#pulling-blobs, #deleting-blobs). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { digestOf } from '../../../src/oci/digest.js';
import { errorCode, pushBlob, storeKinds, testRegistry } from './helpers.js';

for (const kind of storeKinds)
  describe(`registry server: base, routing, blobs (${kind} store)`, async () => {
    const reg = await testRegistry(kind);
    const data = Buffer.from('0123456789abcdefghij');
    const digest = await pushBlob(reg, 'lib/blobs', data);

    test('GET /v2/ is 200 with Docker-Distribution-API-Version (end-1)', async () => {
      const res = await reg.req('GET', '/v2/');
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('docker-distribution-api-version'), 'registry/2.0');
      assert.equal((await reg.req('GET', '/v2')).status, 200);
    });

    test('unknown endpoints are 404 with a JSON body; a wrong method is 405 UNSUPPORTED with Allow', async () => {
      const res = await reg.req('GET', '/v2/lib/blobs/nothing-here/x');
      assert.equal(res.status, 404);
      assert.ok(res.json().errors);
      const post = await reg.req('POST', `/v2/lib/blobs/blobs/${digest}`);
      assert.equal(post.status, 405);
      assert.equal(errorCode(post), 'UNSUPPORTED');
      assert.match(post.headers.get('allow') ?? '', /GET/);
    });

    test('a name that fails the grammar is 400 NAME_INVALID', async () => {
      for (const name of ['UPPER/case', 'a//b', '-lead', 'x'.repeat(256)]) {
        const res = await reg.req('GET', `/v2/${name}/manifests/latest`);
        assert.equal(res.status, 400, name);
        assert.equal(errorCode(res), 'NAME_INVALID', name);
      }
    });

    test('GET and HEAD serve the blob with Docker-Content-Digest, Content-Length, Accept-Ranges', async () => {
      const get = await reg.req('GET', `/v2/lib/blobs/blobs/${digest}`);
      assert.equal(get.status, 200);
      assert.deepEqual(get.body, data);
      assert.equal(get.headers.get('docker-content-digest'), digest);
      assert.equal(get.headers.get('accept-ranges'), 'bytes');
      const head = await reg.req('HEAD', `/v2/lib/blobs/blobs/${digest}`);
      assert.equal(head.status, 200);
      assert.equal(head.headers.get('content-length'), String(data.length));
      assert.equal(head.body.length, 0);
    });

    test('Range requests: 206 with Content-Range; suffix and open ranges; 416 when unsatisfiable', async () => {
      const path = `/v2/lib/blobs/blobs/${digest}`;
      const r1 = await reg.req('GET', path, { headers: { Range: 'bytes=2-5' } });
      assert.equal(r1.status, 206);
      assert.equal(r1.body.toString(), '2345');
      assert.equal(r1.headers.get('content-range'), `bytes 2-5/${data.length}`);
      const r2 = await reg.req('GET', path, { headers: { Range: 'bytes=15-' } });
      assert.equal(r2.body.toString(), 'fghij');
      const r3 = await reg.req('GET', path, { headers: { Range: 'bytes=-3' } });
      assert.equal(r3.body.toString(), 'hij');
      const r4 = await reg.req('GET', path, { headers: { Range: 'bytes=10-999' } });
      assert.equal(r4.headers.get('content-range'), `bytes 10-19/${data.length}`);
      const bad = await reg.req('GET', path, { headers: { Range: 'bytes=20-30' } });
      assert.equal(bad.status, 416);
      assert.equal(bad.headers.get('content-range'), `bytes */${data.length}`);
      const multi = await reg.req('GET', path, { headers: { Range: 'bytes=0-1,4-5' } });
      assert.equal(multi.status, 200, 'multi-range is answered with the whole blob');
      const head = await reg.req('HEAD', path, { headers: { Range: 'bytes=0-3' } });
      assert.equal(head.status, 206);
      assert.equal(head.headers.get('content-length'), '4');
    });

    test('unknown blob is 404 BLOB_UNKNOWN; a blob is only served from repositories it was pushed to', async () => {
      const other = digestOf('nope');
      const res = await reg.req('GET', `/v2/lib/blobs/blobs/${other}`);
      assert.equal(res.status, 404);
      assert.equal(errorCode(res), 'BLOB_UNKNOWN');
      assert.equal((await reg.req('HEAD', `/v2/lib/other/blobs/${digest}`)).status, 404);
    });

    test('a digest that does not parse is 400 DIGEST_INVALID, never a 404 or 500', async () => {
      for (const bad of ['sha256:xyz', 'md5:abcd', 'notadigest:', `sha256:${'A'.repeat(64)}`]) {
        const res = await reg.req('GET', `/v2/lib/blobs/blobs/${encodeURIComponent(bad)}`);
        assert.equal(res.status, 400, bad);
        assert.equal(errorCode(res), 'DIGEST_INVALID', bad);
      }
    });

    test('DELETE is 405 UNSUPPORTED when deletes are disabled (end-10)', async () => {
      const res = await reg.req('DELETE', `/v2/lib/blobs/blobs/${digest}`);
      assert.equal(res.status, 405);
      assert.equal(errorCode(res), 'UNSUPPORTED');
      assert.equal((await reg.req('HEAD', `/v2/lib/blobs/blobs/${digest}`)).status, 200);
    });

    test('every request is logged as one structured line', async () => {
      await reg.req('HEAD', `/v2/lib/blobs/blobs/${digest}`);
      const line = reg.logs.at(-1)!;
      assert.equal(line.method, 'HEAD');
      assert.equal(line.status, 200);
      assert.equal(line.path, `/v2/lib/blobs/blobs/${digest}`);
      assert.equal(typeof line.ms, 'number');
      assert.ok(!Number.isNaN(Date.parse(line.time)));
      const get = reg.logs.find((l) => l.method === 'GET' && l.status === 200 && l.path.includes('/blobs/sha256'));
      assert.equal(get?.bytes, data.length);
    });
  });

for (const kind of storeKinds)
  describe(`registry server: blob deletes enabled (${kind} store)`, async () => {
    const reg = await testRegistry(kind, (c) => {
      c.deletes.enabled = true;
    });
    test('DELETE is 202, then the blob is 404; deleting again is 404 BLOB_UNKNOWN', async () => {
      const digest = await pushBlob(reg, 'del/me', 'bye');
      assert.equal((await reg.req('DELETE', `/v2/del/me/blobs/${digest}`)).status, 202);
      assert.equal((await reg.req('GET', `/v2/del/me/blobs/${digest}`)).status, 404);
      const again = await reg.req('DELETE', `/v2/del/me/blobs/${digest}`);
      assert.equal(again.status, 404);
      assert.equal(errorCode(again), 'BLOB_UNKNOWN');
    });
  });
