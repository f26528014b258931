/**
 * end-2 GET/HEAD /v2/<name>/blobs/<digest> (spec.md#pulling-blobs, #checking-if-content-exists)
 * with single Range requests, and end-10 DELETE (spec.md#deleting-blobs).
 */
import { pipeline } from 'node:stream/promises';
import { RegistryError } from '../api/errors.js';
import { type Ctx, sendEmpty, sendJson } from './http.js';
import { parseRange } from './range.js';
import { requireDigest } from './refs.js';

export async function handleBlob(ctx: Ctx): Promise<void> {
  const { req, res, deps } = ctx;
  const digest = requireDigest(ctx.reference);
  if (req.method === 'DELETE') return deleteBlob(ctx, digest);

  const info = await deps.store.statBlob(ctx.name, digest);
  if (!info) throw new RegistryError('BLOB_UNKNOWN', undefined, { digest });
  const headers: Record<string, string | number> = {
    'Content-Type': 'application/octet-stream',
    'Docker-Content-Digest': info.digest,
    'Accept-Ranges': 'bytes',
    // Content-addressed: the bytes at this URL never change.
    ETag: `"${info.digest}"`,
    'Cache-Control': 'max-age=31536000',
  };
  const range = parseRange(req.headers.range, info.size);
  if (range.kind === 'unsatisfiable') {
    const err = new RegistryError('RANGE_INVALID', `range ${req.headers.range} is outside the ${info.size}-byte blob`);
    sendJson(res, 416, err.body(), { 'Content-Range': `bytes */${info.size}` });
    return;
  }
  const partial = range.kind === 'partial' ? range : undefined;
  const length = partial ? partial.end - partial.start + 1 : info.size;
  headers['Content-Length'] = length;
  if (partial) headers['Content-Range'] = `bytes ${partial.start}-${partial.end}/${info.size}`;
  if (req.method === 'HEAD' || length === 0) {
    res.writeHead(partial ? 206 : 200, headers);
    res.end();
    return;
  }
  const copier = await deps.store.openBlobCopier?.(ctx.name, digest);
  if (copier) {
    // Opened before the headers go out, so a blob swept since the stat is still a clean 404.
    try {
      res.writeHead(partial ? 206 : 200, headers);
      await copier.copyTo(res, partial?.start ?? 0, partial?.end ?? info.size - 1);
      res.end();
    } catch (err) {
      // Headers are out: the client sees fewer bytes than Content-Length (and verifies the digest anyway).
      if (!res.destroyed) res.destroy(err as Error);
      if ((err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw err;
    } finally {
      await copier.close();
    }
    return;
  }
  const body = await deps.store.readBlob(ctx.name, digest, partial);
  res.writeHead(partial ? 206 : 200, headers);
  // Once headers are out an error can only cut the response short: the client sees fewer bytes
  // than Content-Length and must not trust them (it verifies the digest anyway).
  await pipeline(body, res).catch((err: Error) => {
    if (!res.destroyed) res.destroy(err);
    if ((err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw err;
  });
}

async function deleteBlob(ctx: Ctx, digest: string): Promise<void> {
  // spec.md#deleting-blobs: "If blob deletion is disabled, the registry MUST respond with either a
  // 400 Bad Request or a 405 Method Not Allowed."
  if (!ctx.deps.config.deletes.enabled) throw new RegistryError('UNSUPPORTED', 'deletes are disabled on this registry');
  if (!(await ctx.deps.store.deleteBlob(ctx.name, digest)))
    throw new RegistryError('BLOB_UNKNOWN', undefined, { digest });
  sendEmpty(ctx.res, 202, { 'Docker-Content-Digest': digest });
}
