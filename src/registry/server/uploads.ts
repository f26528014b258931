/**
 * Blob uploads: end-4a/4b/11 POST (spec.md#pushing-a-blob-monolithically, #mounting-a-blob-from-another-repository),
 * end-5 PATCH and end-6 PUT (spec.md#pushing-a-blob-in-chunks), end-13 GET status, and DELETE of
 * a session (distribution's cancel, which skopeo and containerd use).
 *
 * A client that disconnects mid-chunk leaves the session resumable: whatever the store appended
 * is kept, and GET on the session reports it as `Range: 0-<end>` so the client can PATCH on
 * from there (spec.md "Resumable Push"). Content only becomes a blob through commitUpload /
 * putBlob, which verify the digest first, so an interrupted upload is never served as a blob.
 */
import type { IncomingMessage } from 'node:http';
import { RegistryError } from '../api/errors.js';
import { NAME_RE, paths } from '../api/routes.js';
import type { UploadState } from '../store/types.js';
import { type Ctx, contentLength, drain, hasBody, sendEmpty, withoutIdleTimeout } from './http.js';
import { requireDigest } from './refs.js';

/** spec.md: "Range: 0-<end-of-range>"; an empty session reports 0-0, as distribution does. */
function rangeHeader(state: UploadState): string {
  return `0-${Math.max(0, state.size - 1)}`;
}

function sessionHeaders(ctx: Ctx, state: UploadState): Record<string, string | number> {
  return {
    Location: paths.upload(ctx.name, state.id),
    Range: rangeHeader(state),
    'Docker-Upload-UUID': state.id,
  };
}

function blobCreated(ctx: Ctx, digest: string): void {
  sendEmpty(ctx.res, 201, { Location: paths.blob(ctx.name, digest), 'Docker-Content-Digest': digest });
}

/** POST /v2/<name>/blobs/uploads/[?digest=…|?mount=…&from=…] */
export async function handleUploadStart(ctx: Ctx): Promise<void> {
  const { url, deps, req } = ctx;
  const mount = url.searchParams.get('mount');
  if (mount !== null) {
    const digest = requireDigest(mount, 'mount digest');
    if (await tryMount(ctx, digest, url.searchParams.get('from'))) {
      drain(req);
      return blobCreated(ctx, digest);
    }
    // spec.md: a registry "unable to mount the requested blob … SHOULD return a 202", i.e. start a session.
  }
  const digestParam = url.searchParams.get('digest');
  if (digestParam !== null && mount === null) {
    // Single-POST monolithic push (end-4b): straight into a verified blob.
    const digest = requireDigest(digestParam);
    const info = await deps.store.putBlob(ctx.name, digest, req, contentLength(req));
    return blobCreated(ctx, info.digest);
  }
  drain(req);
  const state = await deps.store.startUpload(ctx.name);
  sendEmpty(ctx.res, 202, sessionHeaders(ctx, state));
}

/**
 * Mounting (end-11). Without `from` we do not search other repositories: the spec only says the
 * registry MAY, and doing it safely would mean checking pull rights on every candidate — a
 * session is started instead and the client uploads (what distribution does too).
 * With `from`, the client must be allowed to pull from it; otherwise the mount quietly falls
 * back to an upload session so it learns nothing about a repository it cannot read.
 */
async function tryMount(ctx: Ctx, digest: string, from: string | null): Promise<boolean> {
  if (!from || !NAME_RE.test(from) || from === ctx.name) return false;
  const { authorizer, store } = ctx.deps;
  if (authorizer) {
    const result = await authorizer.authorize(ctx.req, { repository: from, actions: ['pull'] });
    if (!result.ok) return false;
  }
  return store.mountBlob(ctx.name, digest, from);
}

/** Session ids are ours (UUIDs): anything else — "..", slashes decoded from %2F — is simply unknown. */
const SESSION_ID_RE = /^[A-Za-z0-9_-]{1,128}$/;

function sessionId(ctx: Ctx): string {
  const id = ctx.reference ?? '';
  if (!SESSION_ID_RE.test(id)) throw new RegistryError('BLOB_UPLOAD_UNKNOWN', undefined, { id });
  return id;
}

async function session(ctx: Ctx): Promise<UploadState> {
  const state = await ctx.deps.store.getUpload(ctx.name, sessionId(ctx));
  if (!state) throw new RegistryError('BLOB_UPLOAD_UNKNOWN', undefined, { id: ctx.reference });
  return state;
}

/**
 * Content-Range of a chunk ("MUST match ^[0-9]+-[0-9]+$", inclusive): the chunk must start where
 * the upload ends, else 416 (spec.md: "If a chunk is uploaded out of order, the registry MUST
 * respond with a 416"). Without the header (docker's streamed PATCH) the chunk goes at the end.
 */
function chunkOffset(req: IncomingMessage, state: UploadState): number {
  const header = req.headers['content-range'];
  if (header === undefined) return state.size;
  const m = /^(?:bytes[ =])?(\d+)-(\d+)(?:\/(?:\d+|\*))?$/.exec(header.trim());
  if (!m) throw new RegistryError('BLOB_UPLOAD_INVALID', `invalid Content-Range '${header}'`, undefined, 416);
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (start !== state.size || end < start)
    throw new RegistryError(
      'RANGE_INVALID',
      `chunk ${start}-${end} does not start at ${state.size}, where the upload ends`,
      { expectedStart: state.size },
    );
  const length = contentLength(req);
  if (length !== undefined && length !== end - start + 1)
    throw new RegistryError('SIZE_INVALID', `Content-Length ${length} does not match Content-Range ${header}`);
  return start;
}

/** Appends the request body, or answers 416 with where the upload really is. */
async function appendBody(ctx: Ctx, state: UploadState): Promise<UploadState> {
  let offset: number;
  try {
    offset = chunkOffset(ctx.req, state);
  } catch (err) {
    if (err instanceof RegistryError && err.status === 416) {
      drain(ctx.req);
      // Let the client resume: where the session is now (end-13 says the same on GET).
      ctx.res.setHeader('Location', paths.upload(ctx.name, state.id));
      ctx.res.setHeader('Range', rangeHeader(state));
      ctx.res.setHeader('Docker-Upload-UUID', state.id);
    }
    throw err;
  }
  return ctx.deps.store.appendUpload(ctx.name, state.id, offset, ctx.req);
}

/** /v2/<name>/blobs/uploads/<id>: GET status, PATCH chunk, PUT close, DELETE cancel. */
export async function handleUpload(ctx: Ctx): Promise<void> {
  const { req, res, deps } = ctx;
  switch (req.method) {
    case 'GET': {
      const state = await session(ctx);
      return sendEmpty(res, 204, sessionHeaders(ctx, state));
    }
    case 'PATCH': {
      const state = await appendBody(ctx, await session(ctx));
      return sendEmpty(res, 202, sessionHeaders(ctx, state));
    }
    case 'PUT': {
      // Judge the digest before touching the session, so a typo does not cost the upload.
      const digest = requireDigest(ctx.url.searchParams.get('digest'));
      let state = await session(ctx);
      if (hasBody(req)) state = await appendBody(ctx, state);
      else drain(req);
      const id = state.id;
      const info = await withoutIdleTimeout(ctx, () => deps.store.commitUpload(ctx.name, id, digest));
      return blobCreated(ctx, info.digest);
    }
    case 'DELETE': {
      drain(req);
      if (!(await deps.store.cancelUpload(ctx.name, sessionId(ctx))))
        throw new RegistryError('BLOB_UPLOAD_UNKNOWN', undefined, { id: ctx.reference });
      return sendEmpty(res, 204);
    }
  }
}
