/** Blob uploads over real HTTP: end-4a/4b, end-5, end-6, end-11, end-13 (spec.md#push). */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { digestOf } from '../../../src/oci/digest.js';
import { errorCode, pushBlob, storeKinds, type TestRegistry, testRegistry } from './helpers.js';

async function startSession(reg: TestRegistry, repo: string): Promise<string> {
  const res = await reg.req('POST', `/v2/${repo}/blobs/uploads/`, { headers: { 'Content-Length': '0' } });
  assert.equal(res.status, 202);
  return res.headers.get('location')!;
}

function patch(reg: TestRegistry, location: string, chunk: string, range?: string) {
  const headers: Record<string, string> = { 'Content-Type': 'application/octet-stream' };
  if (range) headers['Content-Range'] = range;
  return reg.req('PATCH', location, { body: chunk, headers });
}

for (const kind of storeKinds)
  describe(`registry server: uploads (${kind} store)`, async () => {
    const reg = await testRegistry(kind);

    test('POST starts a session: 202, Location with the session id, Docker-Upload-UUID, Range 0-0', async () => {
      const res = await reg.req('POST', '/v2/up/a/blobs/uploads/');
      assert.equal(res.status, 202);
      const id = res.headers.get('docker-upload-uuid')!;
      assert.ok(id);
      assert.equal(res.headers.get('location'), `/v2/up/a/blobs/uploads/${id}`);
      assert.equal(res.headers.get('range'), '0-0');
    });

    test('single POST ?digest= pushes monolithically: 201 with the blob Location', async () => {
      const data = 'monolithic';
      const digest = digestOf(data);
      const res = await reg.req('POST', `/v2/up/a/blobs/uploads/?digest=${digest}`, { body: data });
      assert.equal(res.status, 201);
      assert.equal(res.headers.get('location'), `/v2/up/a/blobs/${digest}`);
      assert.equal(res.headers.get('docker-content-digest'), digest);
      assert.equal((await reg.req('GET', `/v2/up/a/blobs/${digest}`)).body.toString(), data);
    });

    test('single POST with content that does not match the digest is 400 DIGEST_INVALID and stores nothing', async () => {
      const digest = digestOf('expected');
      const res = await reg.req('POST', `/v2/up/a/blobs/uploads/?digest=${digest}`, { body: 'different' });
      assert.equal(res.status, 400);
      assert.equal(errorCode(res), 'DIGEST_INVALID');
      assert.equal((await reg.req('HEAD', `/v2/up/a/blobs/${digest}`)).status, 404);
    });

    test('POST then PUT ?digest= with the whole body: 201', async () => {
      const location = await startSession(reg, 'up/a');
      const data = 'post-then-put';
      const res = await reg.req('PUT', `${location}?digest=${digestOf(data)}`, {
        body: data,
        headers: { 'Content-Type': 'application/octet-stream' },
      });
      assert.equal(res.status, 201);
      assert.equal(res.headers.get('location'), `/v2/up/a/blobs/${digestOf(data)}`);
    });

    test('chunked: PATCH, GET status, resume PATCH from the reported range, final chunk in PUT', async () => {
      const location = await startSession(reg, 'up/chunks');
      const p1 = await patch(reg, location, 'hello ', '0-5');
      assert.equal(p1.status, 202);
      assert.equal(p1.headers.get('range'), '0-5');
      assert.equal(p1.headers.get('location'), location);
      const status = await reg.req('GET', location);
      assert.equal(status.status, 204);
      assert.equal(status.headers.get('range'), '0-5');
      assert.equal(status.headers.get('location'), location);
      const next = Number(status.headers.get('range')!.split('-')[1]) + 1;
      const p2 = await patch(reg, location, 'chunked ', `${next}-${next + 7}`);
      assert.equal(p2.headers.get('range'), '0-13');
      const whole = 'hello chunked world';
      const put = await reg.req('PUT', `${location}?digest=${digestOf(whole)}`, {
        body: 'world',
        headers: { 'Content-Range': '14-18' },
      });
      assert.equal(put.status, 201);
      assert.equal((await reg.req('GET', `/v2/up/chunks/blobs/${digestOf(whole)}`)).body.toString(), whole);
      // The session is gone once closed.
      assert.equal((await reg.req('GET', location)).status, 404);
    });

    test('PATCH without Content-Range (streamed) appends at the end; PUT without body closes', async () => {
      const location = await startSession(reg, 'up/stream');
      await patch(reg, location, 'abc');
      const p = await patch(reg, location, 'def');
      assert.equal(p.headers.get('range'), '0-5');
      const put = await reg.req('PUT', `${location}?digest=${digestOf('abcdef')}`);
      assert.equal(put.status, 201);
    });

    test('out-of-order and repeated chunks are 416 with the current Range; the upload is unharmed', async () => {
      const location = await startSession(reg, 'up/order');
      assert.equal((await patch(reg, location, 'aaaa', '0-3')).status, 202);
      const gap = await patch(reg, location, 'cccc', '8-11');
      assert.equal(gap.status, 416);
      assert.equal(gap.headers.get('range'), '0-3');
      assert.equal(gap.headers.get('location'), location);
      const repeat = await patch(reg, location, 'aaaa', '0-3');
      assert.equal(repeat.status, 416);
      assert.equal((await reg.req('GET', location)).headers.get('range'), '0-3');
      assert.equal((await patch(reg, location, 'bbbb', '4-7')).status, 202);
      const put = await reg.req('PUT', `${location}?digest=${digestOf('aaaabbbb')}`);
      assert.equal(put.status, 201);
    });

    test('a first chunk that does not start at 0 is 416', async () => {
      const location = await startSession(reg, 'up/order');
      assert.equal((await patch(reg, location, 'zz', '1-2')).status, 416);
    });

    test('a Content-Range that does not parse is 416 BLOB_UPLOAD_INVALID with the current Range', async () => {
      const location = await startSession(reg, 'up/order');
      assert.equal((await patch(reg, location, 'ab', '0-1')).status, 202);
      for (const bad of ['garbage', '2-', '-3', 'bytes 2-3/x/y']) {
        const res = await patch(reg, location, 'cd', bad);
        assert.equal(res.status, 416, bad);
        assert.equal(errorCode(res), 'BLOB_UPLOAD_INVALID', bad);
        assert.equal(res.headers.get('range'), '0-1', 'where to resume');
      }
      assert.equal((await patch(reg, location, 'cd', '2-3')).status, 202);
    });

    test('Content-Length that disagrees with Content-Range is 400 SIZE_INVALID', async () => {
      const location = await startSession(reg, 'up/order');
      const res = await patch(reg, location, 'abc', '0-9');
      assert.equal(res.status, 400);
      assert.equal(errorCode(res), 'SIZE_INVALID');
    });

    test('PUT with the wrong digest is 400 DIGEST_INVALID; without digest 400; bad digest 400', async () => {
      const location = await startSession(reg, 'up/put');
      await patch(reg, location, 'content', '0-6');
      const missing = await reg.req('PUT', location);
      assert.equal(missing.status, 400);
      assert.equal(errorCode(missing), 'DIGEST_INVALID');
      const malformed = await reg.req('PUT', `${location}?digest=sha256:zzz`);
      assert.equal(errorCode(malformed), 'DIGEST_INVALID');
      // Neither of those cost the upload.
      assert.equal((await reg.req('GET', location)).headers.get('range'), '0-6');
      const wrong = await reg.req('PUT', `${location}?digest=${digestOf('other')}`);
      assert.equal(wrong.status, 400);
      assert.equal(errorCode(wrong), 'DIGEST_INVALID');
      assert.equal((await reg.req('HEAD', `/v2/up/put/blobs/${digestOf('content')}`)).status, 404);
    });

    test('unknown sessions are 404 BLOB_UPLOAD_UNKNOWN, ids with path tricks too', async () => {
      for (const id of ['00000000-0000-0000-0000-000000000000', '..%2F..%2Fx', 'a%2Fb']) {
        const res = await reg.req('GET', `/v2/up/a/blobs/uploads/${id}`);
        assert.equal(res.status, 404, id);
        assert.equal(errorCode(res), 'BLOB_UPLOAD_UNKNOWN', id);
      }
      const location = await startSession(reg, 'up/a');
      const other = await reg.req('GET', location.replace('/up/a/', '/up/b/'));
      assert.equal(other.status, 404, 'a session belongs to its repository');
    });

    test('DELETE cancels a session: 204, then 404', async () => {
      const location = await startSession(reg, 'up/cancel');
      await patch(reg, location, 'x', '0-0');
      assert.equal((await reg.req('DELETE', location)).status, 204);
      assert.equal((await reg.req('GET', location)).status, 404);
      assert.equal((await reg.req('DELETE', location)).status, 404);
    });

    test('mount ?mount=&from= is 201 when the source has the blob; else 202 and a session (end-11)', async () => {
      const digest = await pushBlob(reg, 'mnt/src', 'shared layer');
      const res = await reg.req('POST', `/v2/mnt/dst/blobs/uploads/?mount=${digest}&from=mnt/src`);
      assert.equal(res.status, 201);
      assert.equal(res.headers.get('location'), `/v2/mnt/dst/blobs/${digest}`);
      assert.equal((await reg.req('GET', `/v2/mnt/dst/blobs/${digest}`)).body.toString(), 'shared layer');
      const missing = await reg.req('POST', `/v2/mnt/dst2/blobs/uploads/?mount=${digestOf('nope')}&from=mnt/src`);
      assert.equal(missing.status, 202);
      assert.ok(missing.headers.get('docker-upload-uuid'));
    });

    test('mount without from starts a session (202) rather than searching other repositories', async () => {
      const digest = await pushBlob(reg, 'mnt/src', 'shared layer');
      const res = await reg.req('POST', `/v2/mnt/nofrom/blobs/uploads/?mount=${digest}`);
      assert.equal(res.status, 202);
      assert.equal((await reg.req('HEAD', `/v2/mnt/nofrom/blobs/${digest}`)).status, 404);
      const bad = await reg.req('POST', '/v2/mnt/nofrom/blobs/uploads/?mount=sha256:bad&from=mnt/src');
      assert.equal(bad.status, 400);
      assert.equal(errorCode(bad), 'DIGEST_INVALID');
    });

    test('a client that disconnects mid-PATCH leaves the session resumable from what arrived', async () => {
      const location = await startSession(reg, 'up/drop');
      const url = new URL(reg.url + location);
      const first = Buffer.alloc(64 * 1024, 'a');
      await new Promise<void>((resolve) => {
        const req = request(url, {
          method: 'PATCH',
          headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(first.length * 4) },
        });
        req.on('error', () => resolve());
        req.write(first, () => setTimeout(() => req.destroy(), 100));
      });
      let size = 0;
      for (let i = 0; i < 50 && size === 0; i++) {
        await sleep(20);
        const st = await reg.req('GET', location);
        assert.equal(st.status, 204);
        size = Number(st.headers.get('range')!.split('-')[1]) + 1;
      }
      assert.equal(size, first.length, 'what arrived before the disconnect is kept');
      const rest = Buffer.alloc(100, 'b');
      const p = await reg.req('PATCH', location, {
        body: rest,
        headers: { 'Content-Range': `${size}-${size + rest.length - 1}` },
      });
      assert.equal(p.status, 202);
      const whole = Buffer.concat([first, rest]);
      assert.equal((await reg.req('PUT', `${location}?digest=${digestOf(whole)}`)).status, 201);
      assert.ok(reg.logs.some((l) => l.aborted || l.error === 'client disconnected'));
    });
  });
