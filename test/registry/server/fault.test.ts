/**
 * kill -9 in the middle of 20 concurrent pushes, then restart on the same root:
 * - every push whose manifest PUT got a 201 is intact (manifest bytes, every blob fetches and verifies);
 * - no blob is ever served with content that does not match its digest;
 * - a chunked upload interrupted by the crash resumes from the Range the server reports.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { digestOf } from '../../../src/oci/digest.js';
import { MediaType } from '../../../src/oci/media-types.js';
import { tempDir } from '../../helpers/fixtures.js';
import { spawnRegistry } from './child.js';

const CHUNK = 32 * 1024;

/** What the client knows of one blob upload: acknowledged bytes, and the end of a PATCH in flight. */
interface Session {
  location: string;
  acked: number;
  sent: number;
}

interface Push {
  repo: string;
  manifest: Buffer;
  blobs: Map<string, Buffer>;
  /** Blobs the server answered 201 for. */
  committed: Set<string>;
  /** The upload in progress when the server died, if any. */
  open?: { digest: string; session: Session };
  acked: boolean;
}

async function patch(base: string, s: Session, data: Buffer, end = data.length): Promise<void> {
  for (let off = s.acked; off < end; off = s.acked) {
    const chunk = data.subarray(off, Math.min(off + CHUNK, end));
    s.sent = off + chunk.length;
    const res = await fetch(base + s.location, {
      method: 'PATCH',
      body: new Uint8Array(chunk),
      headers: { 'Content-Range': `${off}-${off + chunk.length - 1}`, 'Content-Type': 'application/octet-stream' },
    });
    await res.arrayBuffer();
    if (res.status !== 202) throw new Error(`PATCH ${res.status}`);
    s.location = res.headers.get('location')!;
    s.acked = s.sent;
  }
}

async function close(base: string, p: Push, digest: string, s: Session): Promise<void> {
  const put = await fetch(`${base}${s.location}?digest=${digest}`, { method: 'PUT' });
  await put.arrayBuffer();
  if (put.status !== 201) throw new Error(`PUT ${put.status}`);
  p.committed.add(digest);
  p.open = undefined;
}

async function uploadChunked(base: string, p: Push, digest: string, data: Buffer): Promise<void> {
  const start = await fetch(`${base}/v2/${p.repo}/blobs/uploads/`, { method: 'POST' });
  if (start.status !== 202) throw new Error(`POST ${start.status}`);
  const session: Session = { location: start.headers.get('location')!, acked: 0, sent: 0 };
  p.open = { digest, session };
  await patch(base, session, data);
  await close(base, p, digest, session);
}

async function putManifest(base: string, p: Push): Promise<number> {
  const res = await fetch(`${base}/v2/${p.repo}/manifests/v1`, {
    method: 'PUT',
    body: new Uint8Array(p.manifest),
    headers: { 'Content-Type': MediaType.imageManifest },
  });
  await res.arrayBuffer();
  return res.status;
}

async function push(base: string, p: Push, manifestAcked: () => void): Promise<void> {
  for (const [digest, data] of p.blobs) await uploadChunked(base, p, digest, data);
  if ((await putManifest(base, p)) === 201) {
    p.acked = true;
    manifestAcked();
  }
}

function makePush(i: number): Push {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', i }));
  // Different sizes so pushes are at different stages when the kill comes.
  const layers = [randomBytes(256 * 1024 + i * 40 * 1024), randomBytes(64 * 1024 + i)];
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.imageManifest,
      config: { mediaType: MediaType.imageConfig, digest: digestOf(config), size: config.length },
      layers: layers.map((l) => ({ mediaType: MediaType.layerTarGzip, digest: digestOf(l), size: l.length })),
    }),
  );
  const blobs = new Map<string, Buffer>([config, ...layers].map((b) => [digestOf(b), b]));
  return { repo: `fault/p${i}`, manifest, blobs, committed: new Set(), acked: false };
}

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('registry fault tolerance: SIGKILL during 20 concurrent pushes', () => {
  test('acknowledged pushes survive, no bad blob is served, interrupted uploads resume', async () => {
    const root = join(tempDir('hull-registry-fault-'), 'root');
    const first = await spawnRegistry(root, ['--quiet']);
    // An upload interrupted by the crash: two chunks in, then the server dies.
    const resumable = randomBytes(3 * CHUNK + 123);
    const start = await fetch(`${first.url}/v2/fault/resume/blobs/uploads/`, { method: 'POST' });
    const location = start.headers.get('location')!;
    for (let off = 0; off < 2 * CHUNK; off += CHUNK) {
      const res = await fetch(first.url + location, {
        method: 'PATCH',
        body: new Uint8Array(resumable.subarray(off, off + CHUNK)),
        headers: { 'Content-Range': `${off}-${off + CHUNK - 1}` },
      });
      assert.equal(res.status, 202);
    }

    const pushes = Array.from({ length: 20 }, (_, i) => makePush(i));
    let acked = 0;
    let killed = false;
    const kill = () => {
      if (killed) return;
      killed = true;
      first.proc.kill('SIGKILL');
    };
    const runs = pushes.map((p, i) =>
      new Promise((r) => setTimeout(r, i * 15))
        .then(() =>
          push(first.url, p, () => {
            if (++acked >= 5) kill();
          }),
        )
        .catch(() => {}),
    );
    // Whatever happens, the kill comes while pushes are running.
    const timer = setTimeout(kill, 4000);
    await Promise.all(runs);
    clearTimeout(timer);
    kill();
    await first.stop('SIGKILL');
    assert.ok(acked >= 1, 'some pushes were acknowledged before the kill');
    assert.ok(acked < 20, `the kill came mid-way (acked ${acked})`);

    const second = await spawnRegistry(root, ['--quiet']);
    let checkedBlobs = 0;
    for (const p of pushes) {
      const m = await fetch(`${second.url}/v2/${p.repo}/manifests/v1`);
      const bytes = Buffer.from(await m.arrayBuffer());
      if (p.acked) {
        assert.equal(m.status, 200, `${p.repo} was acknowledged`);
        assert.ok(bytes.equals(p.manifest), `${p.repo}: manifest bytes`);
      } else if (m.status === 200) assert.ok(bytes.equals(p.manifest));
      for (const [digest, data] of p.blobs) {
        const b = await fetch(`${second.url}/v2/${p.repo}/blobs/${digest}`);
        const body = Buffer.from(await b.arrayBuffer());
        if (p.acked) assert.equal(b.status, 200, `${p.repo}: blob ${digest}`);
        if (b.status === 200) {
          checkedBlobs++;
          assert.equal(sha256(body), digest, `${p.repo}: served blob matches its digest`);
          assert.ok(body.equals(data));
        } else assert.equal(b.status, 404);
      }
    }
    assert.ok(checkedBlobs > 0);

    const status = await fetch(second.url + location);
    assert.equal(status.status, 204);
    const range = status.headers.get('range')!;
    const next = Number(range.split('-')[1]) + 1;
    assert.equal(next, 2 * CHUNK, 'the server reports what it durably has');
    const rest = await fetch(second.url + location, {
      method: 'PATCH',
      body: new Uint8Array(resumable.subarray(next)),
      headers: { 'Content-Range': `${next}-${resumable.length - 1}` },
    });
    assert.equal(rest.status, 202);
    const put = await fetch(`${second.url}${location}?digest=${digestOf(resumable)}`, { method: 'PUT' });
    assert.equal(put.status, 201);
    const back = Buffer.from(
      await (await fetch(`${second.url}/v2/fault/resume/blobs/${digestOf(resumable)}`)).arrayBuffer(),
    );
    assert.ok(back.equals(resumable));

    // Every push the crash interrupted finishes on the restarted server. An upload that was in
    // progress resumes from the Range the server reports, which must lie between what the
    // server acknowledged (202) and what the client had sent; blobs answered 201 before the
    // crash are there and are not sent again.
    let resumed = 0;
    for (const p of pushes.filter((x) => !x.acked)) {
      for (const digest of p.committed) {
        const head = await fetch(`${second.url}/v2/${p.repo}/blobs/${digest}`, { method: 'HEAD' });
        assert.equal(head.status, 200, `${p.repo}: blob ${digest} was answered 201 before the crash`);
      }
      if (p.open && !p.committed.has(p.open.digest)) {
        const { digest, session } = p.open;
        const st = await fetch(second.url + session.location);
        await st.arrayBuffer();
        if (st.status === 204) {
          const end = Number(/^0-(\d+)$/.exec(st.headers.get('range') ?? '')?.[1]);
          // "0-0" is both the empty and the one-byte session (spec.md end-13); a crash leaves no one-byte chunk here.
          const have = end === 0 && session.acked === 0 ? 0 : end + 1;
          assert.ok(
            have >= session.acked,
            `${p.repo}: the server kept the ${session.acked} acknowledged bytes (has ${have})`,
          );
          assert.ok(
            have <= Math.max(session.sent, session.acked),
            `${p.repo}: the server reports no bytes it was not sent`,
          );
          session.acked = have;
          await patch(second.url, session, p.blobs.get(digest)!);
          await close(second.url, p, digest, session);
          resumed++;
        } else assert.equal(st.status, 404, `${p.repo}: an upload the crash cut short is resumable or unknown`);
      }
      for (const [digest, data] of p.blobs)
        if (!p.committed.has(digest)) await uploadChunked(second.url, p, digest, data);
      assert.equal(await putManifest(second.url, p), 201, `${p.repo}: the push completes after the restart`);
      for (const [digest, data] of p.blobs) {
        const body = Buffer.from(await (await fetch(`${second.url}/v2/${p.repo}/blobs/${digest}`)).arrayBuffer());
        assert.ok(body.equals(data), `${p.repo}: blob ${digest} after the resumed push`);
      }
    }
    assert.ok(resumed >= 1, 'at least one push was caught mid-upload and resumed from the reported range');
    assert.equal(await second.stop('SIGTERM'), 0, 'graceful shutdown exits 0');
  });
});
