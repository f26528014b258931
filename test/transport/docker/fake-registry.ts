/**
 * An in-test registry (node:http on 127.0.0.1) serving the blobs and manifests of an image
 * layout read-only, with hooks to misbehave: drop a blob mid-body, answer 503, corrupt bytes,
 * demand a Bearer token. Requests are logged so tests can count them.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ImageLayout } from '../../../src/image/layout/layout.js';
import { digestOf } from '../../../src/oci/digest.js';

export interface FakeRegistry {
  port: number;
  host: string;
  log: Array<{ method: string; url: string; range?: string; auth?: string }>;
  /** Per-request hook; return true when it answered. */
  hook?: (req: IncomingMessage, res: ServerResponse, blob: Buffer | undefined) => boolean;
  close(): Promise<void>;
}

export async function startFakeRegistry(
  layout: ImageLayout,
  repo: string,
  tags: Record<string, { digest: string; mediaType: string }>,
): Promise<FakeRegistry> {
  const fake: FakeRegistry = { port: 0, host: '', log: [], close: async () => {} };
  const server: Server = createServer(async (req, res) => {
    const url = req.url ?? '';
    fake.log.push({ method: req.method ?? '', url, range: req.headers.range, auth: req.headers.authorization });
    const blobMatch = new RegExp(`^/v2/${repo}/blobs/(sha256:[a-f0-9]{64})$`).exec(url);
    let blob: Buffer | undefined;
    if (blobMatch && (await layout.hasBlob(blobMatch[1]!)))
      blob = await layout.readBlob({ digest: blobMatch[1]!, size: -1 });
    if (fake.hook?.(req, res, blob)) return;
    if (url === '/v2/') return void res.writeHead(200).end('{}');
    const m = new RegExp(`^/v2/${repo}/manifests/(.+)$`).exec(url);
    if (m) {
      const ref = decodeURIComponent(m[1]!);
      const byTag = tags[ref];
      const digest = byTag?.digest ?? ref;
      if (!(await layout.hasBlob(digest).catch(() => false)))
        return void res
          .writeHead(404, { 'content-type': 'application/json' })
          .end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }));
      const bytes = await layout.readBlob({ digest, size: -1 });
      const doc = JSON.parse(bytes.toString());
      res.writeHead(200, {
        'content-type': doc.mediaType ?? byTag?.mediaType,
        'docker-content-digest': digestOf(bytes),
        'content-length': bytes.length,
      });
      return void res.end(req.method === 'HEAD' ? undefined : bytes);
    }
    if (blob) {
      const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
      if (range) {
        const start = Number(range[1]);
        res.writeHead(206, {
          'content-length': blob.length - start,
          'content-range': `bytes ${start}-${blob.length - 1}/${blob.length}`,
        });
        return void res.end(blob.subarray(start));
      }
      res.writeHead(200, { 'content-length': blob.length, 'accept-ranges': 'bytes' });
      return void res.end(req.method === 'HEAD' ? undefined : blob);
    }
    res
      .writeHead(404, { 'content-type': 'application/json' })
      .end(JSON.stringify({ errors: [{ code: 'BLOB_UNKNOWN', message: 'blob unknown to registry' }] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.port = (server.address() as AddressInfo).port;
  fake.host = `127.0.0.1:${fake.port}`;
  fake.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}
