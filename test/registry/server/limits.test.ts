/**
 * Request body timeouts (config limits.bodyTimeoutMs): a body that stops arriving is abandoned
 * and its connection closed, so a stalled or malicious client cannot hold a connection and an
 * upload open forever; what arrived of a chunk stays resumable, and nothing half-sent becomes a
 * blob or a manifest. It is an idle timeout, not a cap: a slow body that keeps coming is taken.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { digestOf } from '../../../src/oci/digest.js';
import { MediaType } from '../../../src/oci/media-types.js';
import { testRegistry } from './helpers.js';

const IDLE_MS = 500;

/** Sends a request head and the first part of its body, then nothing more; resolves with what came back when the server closes. */
function stall(url: string, method: string, path: string, headers: Record<string, string>, part: Buffer) {
  const u = new URL(url);
  return new Promise<{ response: string; socket: Socket }>((resolve, reject) => {
    const socket = connect(Number(u.port), u.hostname);
    let response = '';
    socket.on('data', (d) => {
      response += d.toString('latin1');
    });
    socket.on('error', () => undefined); // a reset is one way of being closed
    socket.on('close', () => resolve({ response, socket }));
    socket.on('connect', () => {
      const head = [
        `${method} ${path} HTTP/1.1`,
        `Host: ${u.host}`,
        ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      ];
      socket.write(`${head.join('\r\n')}\r\n\r\n`);
      socket.write(part);
    });
    // Far beyond IDLE_MS: only a server that never times out gets here.
    setTimeout(
      () => reject(new Error(`${method} ${path}: the server kept a stalled body open for 30 s`)),
      30_000,
    ).unref();
  });
}

describe('registry server: request body timeouts', () => {
  test('a PATCH whose body stalls is cut off; what arrived stays resumable from the reported Range', async () => {
    const reg = await testRegistry('filesystem', (c) => {
      c.limits.bodyTimeoutMs = IDLE_MS;
    });
    const start = await reg.req('POST', '/v2/slow/blobs/uploads/');
    const location = start.headers.get('location')!;
    const data = Buffer.alloc(1000, 'a');
    const { response } = await stall(
      reg.url,
      'PATCH',
      location,
      { 'Content-Length': '1000', 'Content-Range': '0-999', 'Content-Type': 'application/octet-stream' },
      data.subarray(0, 100),
    );
    assert.doesNotMatch(response, /^HTTP\/1\.1 202/, 'a stalled chunk is never acknowledged');
    const status = await reg.req('GET', location);
    assert.equal(status.status, 204);
    assert.equal(status.headers.get('range'), '0-99', 'the 100 bytes that arrived are kept');
    const rest = await reg.req('PATCH', location, {
      body: data.subarray(100),
      headers: { 'Content-Range': '100-999' },
    });
    assert.equal(rest.status, 202);
    const put = await reg.req('PUT', `${location}?digest=${digestOf(data)}`);
    assert.equal(put.status, 201);
  });

  test('a stalled monolithic blob push or manifest push stores nothing', async () => {
    const reg = await testRegistry('filesystem', (c) => {
      c.limits.bodyTimeoutMs = IDLE_MS;
    });
    const blob = Buffer.alloc(2000, 'b');
    const digest = digestOf(blob);
    const mono = await stall(
      reg.url,
      'POST',
      `/v2/slow/blobs/uploads/?digest=${digest}`,
      { 'Content-Length': '2000', 'Content-Type': 'application/octet-stream' },
      blob.subarray(0, 500),
    );
    assert.doesNotMatch(mono.response, /^HTTP\/1\.1 201/);
    assert.equal((await reg.req('HEAD', `/v2/slow/blobs/${digest}`)).status, 404);

    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.imageManifest,
        config: { mediaType: MediaType.imageConfig, digest, size: 2000 },
        layers: [],
      }),
    );
    const m = await stall(
      reg.url,
      'PUT',
      '/v2/slow/manifests/v1',
      { 'Content-Length': String(manifest.length), 'Content-Type': MediaType.imageManifest },
      manifest.subarray(0, 40),
    );
    assert.doesNotMatch(m.response, /^HTTP\/1\.1 201/);
    assert.equal((await reg.req('GET', '/v2/slow/manifests/v1')).status, 404);
  });

  test('a slow body that keeps arriving is not cut off (an idle timeout, not a total cap)', async () => {
    const reg = await testRegistry('filesystem', (c) => {
      c.limits.bodyTimeoutMs = IDLE_MS;
    });
    const start = await reg.req('POST', '/v2/slow/blobs/uploads/');
    const location = start.headers.get('location')!;
    const { request } = await import('node:http');
    const data = Buffer.alloc(4000, 'c');
    // 40 pieces, one every IDLE_MS / 5: the whole body takes 8 idle periods to arrive.
    const status = await new Promise<number>((resolve, reject) => {
      const r = request(
        new URL(reg.url + location),
        { method: 'PATCH', headers: { 'Content-Length': String(data.length), 'Content-Range': '0-3999' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      r.on('error', reject);
      let i = 0;
      const timer = setInterval(() => {
        const piece = data.subarray(i * 100, (i + 1) * 100);
        i++;
        if (i === 40) {
          clearInterval(timer);
          r.end(piece);
        } else r.write(piece);
      }, IDLE_MS / 5);
    });
    assert.equal(status, 202);
    const put = await reg.req('PUT', `${location}?digest=${digestOf(data)}`);
    assert.equal(put.status, 201);
  });
});
