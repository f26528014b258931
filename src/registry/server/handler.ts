/**
 * The request dispatcher: route by matchRoute (routes as data, api/routes.ts), check the method,
 * ask the authorizer, run the route's handler, and turn whatever it throws into the spec's error
 * body (spec.md#error-codes). Anything unexpected is a 500 with a JSON body, logged — never a
 * hung request or a stack trace to the client.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HullError } from '../../errors.js';
import { RegistryError } from '../api/errors.js';
import { MAX_NAME_LENGTH, matchRoute, NAME_RE, type RouteName } from '../api/routes.js';
import type { WebHandler } from '../web/types.js';
import { accessNeed } from './access.js';
import { API_VERSION_HEADER, handleBase, handleCatalog } from './base.js';
import { handleBlob } from './blobs.js';
import { handleReferrers, handleTags } from './discovery.js';
import { type Ctx, drain, type Handler, type HandlerDeps, sendError, sendJson } from './http.js';
import { type LogSink, type LogState, trackRequest } from './log.js';
import { handleManifest } from './manifests.js';
import { handleUpload, handleUploadStart } from './uploads.js';

const handlers: Record<RouteName, Handler> = {
  base: handleBase,
  catalog: handleCatalog,
  blob: handleBlob,
  manifest: handleManifest,
  uploadStart: handleUploadStart,
  upload: handleUpload,
  tags: handleTags,
  referrers: handleReferrers,
};

/** A path shaped like a repository route whose name fails the grammar: NAME_INVALID, not 404. */
const LOOSE_REPO_ROUTE =
  /^\/v2\/(.+)\/(?:blobs\/uploads\/?[^/]*|blobs\/[^/]+|manifests\/[^/]+|tags\/list|referrers\/[^/]+)$/;

/** matchRoute decodes the reference; a malformed %-escape there is the client's error, not a 500. */
function routeOf(pathname: string) {
  try {
    return matchRoute(pathname);
  } catch (err) {
    if (err instanceof URIError) throw new RegistryError('NAME_INVALID', 'malformed percent-encoding in the path');
    throw err;
  }
}

function invalidName(pathname: string): boolean {
  const m = LOOSE_REPO_ROUTE.exec(pathname);
  return m !== null && !NAME_RE.test(m[1]!);
}

export interface RegistryHandlerOptions extends HandlerDeps {
  web?: WebHandler;
  /** Where request logs go; undefined: no logs. */
  log?: LogSink;
  /** Where unexpected errors are reported (default stderr). */
  onError?: (err: unknown, req: IncomingMessage) => void;
}

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

export function createRegistryHandler(opts: RegistryHandlerOptions): RequestListener {
  const onError = opts.onError ?? defaultOnError;
  return (req, res) => {
    const log = trackRequest(req, res, opts.log);
    dispatch(req, res, opts, log).catch((err) => {
      // dispatch catches everything; this is the last guard against an unhandled rejection.
      onError(err, req);
      if (!res.headersSent) sendJson(res, 500, internalBody());
      else res.destroy();
    });
  };

  async function dispatch(req: IncomingMessage, res: ServerResponse, o: RegistryHandlerOptions, log: LogState) {
    // distribution sends the version header on every response, errors and 401s included.
    res.setHeader('Docker-Distribution-API-Version', API_VERSION_HEADER['Docker-Distribution-API-Version']);
    try {
      const url = new URL(req.url ?? '/', 'http://registry.invalid');
      const match = routeOf(url.pathname);
      if (!url.pathname.startsWith('/v2/') && url.pathname !== '/v2') {
        if (await o.authorizer?.handleTokenRequest?.(req, res)) return;
        if ((req.method === 'GET' || req.method === 'HEAD') && (await o.web?.(req, res, o.store))) return;
        drain(req);
        return sendJson(res, 404, notFoundBody());
      }
      if (!match) {
        drain(req);
        if (invalidName(url.pathname)) throw new RegistryError('NAME_INVALID', undefined, { path: url.pathname });
        return sendJson(res, 404, notFoundBody());
      }
      if (!match.route.methods.includes(req.method ?? '')) {
        drain(req);
        res.setHeader('Allow', match.route.methods.join(', '));
        throw new RegistryError('UNSUPPORTED', `${req.method} is not supported on this endpoint`);
      }
      if (match.name !== undefined && match.name.length > MAX_NAME_LENGTH)
        throw new RegistryError('NAME_INVALID', `repository name is longer than ${MAX_NAME_LENGTH} characters`);
      if (o.authorizer) {
        const result = await o.authorizer.authorize(req, accessNeed(match, req.method!));
        if (!result.ok) {
          drain(req);
          return sendError(res, result.error, result.headers);
        }
        if (result.user !== undefined) log.user = result.user;
      }
      const ctx: Ctx = { req, res, url, name: match.name ?? '', reference: match.reference, deps: o };
      await handlers[match.route.name](ctx);
    } catch (err) {
      respondError(req, res, err, log, onError);
    }
  }
}

function defaultOnError(err: unknown, req: IncomingMessage): void {
  process.stderr.write(`registry: ${req.method} ${req.url}: ${(err as Error)?.stack ?? String(err)}\n`);
}

/** Errors from lower layers that mean "the client sent bad content", as the spec's codes. */
function asRegistryError(err: unknown): RegistryError | undefined {
  if (err instanceof RegistryError) return err;
  if (err instanceof HullError) {
    if (err.code === 'DIGEST_MISMATCH' || err.code === 'DIGEST_INVALID')
      return new RegistryError('DIGEST_INVALID', err.message);
    if (err.code === 'SIZE_MISMATCH') return new RegistryError('SIZE_INVALID', err.message);
  }
  return undefined;
}

function clientGone(req: IncomingMessage, res: ServerResponse, err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException)?.code;
  return (
    res.destroyed ||
    req.socket?.destroyed === true ||
    code === 'ECONNRESET' ||
    code === 'ERR_STREAM_PREMATURE_CLOSE' ||
    (err as Error)?.message === 'aborted'
  );
}

function respondError(
  req: IncomingMessage,
  res: ServerResponse,
  err: unknown,
  log: LogState,
  onError: (err: unknown, req: IncomingMessage) => void,
): void {
  const known = asRegistryError(err);
  if (known) {
    log.error = known.descriptor.code;
    drain(req);
    if (res.headersSent) res.destroy();
    else sendError(res, known);
    return;
  }
  if (clientGone(req, res, err)) {
    // Nobody to answer; what the store kept (a resumable upload, never a blob) stands.
    log.error = 'client disconnected';
    res.destroy();
    return;
  }
  log.error = (err as Error)?.message ?? String(err);
  onError(err, req);
  drain(req);
  if (res.headersSent) res.destroy();
  else sendJson(res, 500, internalBody());
}

function internalBody() {
  // 5xx bodies are free-form (spec.md#error-codes covers 4XX); UNKNOWN is what distribution sends.
  return { errors: [{ code: 'UNKNOWN', message: 'internal server error' }] };
}

function notFoundBody() {
  return { errors: [{ code: 'NOT_FOUND', message: 'no such endpoint' }] };
}
