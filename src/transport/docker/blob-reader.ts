/**
 * Blob downloads (spec.md end-2) that survive a dropped connection: when the body breaks off,
 * the rest is asked for with `Range: bytes=N-` and appended, so hashing simply continues across
 * the resume. The whole stream is verified against the descriptor before it ends.
 */
import { pipeline, Readable } from 'node:stream';
import { HullError } from '../../errors.js';
import type { BlobRef } from '../../image/layout/put-blob.js';
import { VerifyingStream } from '../../oci/digest.js';
import { paths } from '../../registry/api/routes.js';
import type { RegistryClient } from './client.js';
import { backoff, MAX_TRIES, networkError, sleep } from './http.js';

function toBuffer(chunk: Uint8Array): Buffer {
  return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

async function* resumingBody(client: RegistryClient, desc: BlobRef): AsyncGenerator<Buffer> {
  const path = paths.blob(client.repository, desc.digest);
  let offset = 0;
  let failures = 0;
  for (;;) {
    const headers: Record<string, string> = {};
    if (offset > 0) headers.range = `bytes=${offset}-`;
    const res = await client.request('GET', path, { headers });
    let skip = 0;
    if (offset > 0 && res.status === 200)
      skip = offset; // the server ignored Range: drop what we have
    else if (offset > 0 && res.status === 206) {
      const start = /^bytes (\d+)-/.exec(res.headers.get('content-range') ?? '')?.[1];
      if (start !== undefined && Number(start) !== offset) {
        await res.body?.cancel().catch(() => undefined);
        throw new HullError(
          'RANGE_INVALID',
          `${client.label}: blob ${desc.digest}: resumed at ${start}, not ${offset}`,
        );
      }
    } else if (!res.ok) throw await client.error(res, `blob ${desc.digest}`);
    if (!res.body) throw new HullError('NETWORK', `${client.label}: blob ${desc.digest}: empty response`);
    try {
      for await (const raw of res.body as unknown as AsyncIterable<Uint8Array>) {
        let chunk = toBuffer(raw);
        if (skip > 0) {
          const n = Math.min(skip, chunk.length);
          skip -= n;
          chunk = chunk.subarray(n);
          if (!chunk.length) continue;
        }
        offset += chunk.length;
        yield chunk;
      }
      return;
    } catch (err) {
      if (err instanceof HullError) throw err;
      if (desc.size >= 0 && offset >= desc.size) return; // everything arrived; the verifier decides
      if (++failures >= MAX_TRIES) throw networkError(client.url(path), err);
      await sleep(backoff(failures - 1));
    }
  }
}

/** The blob's bytes, resumed across connection drops, failing before the end unless they match `desc`. */
export function openRegistryBlob(client: RegistryClient, desc: BlobRef): Readable {
  return pipeline(
    Readable.from(resumingBody(client, desc), { objectMode: false }),
    new VerifyingStream(desc, `${client.label}: blob ${desc.digest}`),
    () => {},
  );
}
