/**
 * What every route handler shares: the request context, small response helpers and bounded body
 * reading. Handlers throw RegistryError for every client-visible failure; handler.ts turns it
 * into the spec's error body (spec.md#error-codes).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RegistryError } from '../api/errors.js';
import type { Authorizer } from '../auth/types.js';
import type { RegistryConfig } from '../config.js';
import type { RegistryStore } from '../store/types.js';

export interface HandlerDeps {
  store: RegistryStore;
  config: RegistryConfig;
  authorizer?: Authorizer;
}

export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** Repository name (routes that have one). */
  name: string;
  reference: string | undefined;
  deps: HandlerDeps;
}

export type Handler = (ctx: Ctx) => Promise<void>;

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const data = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': data.length, ...headers });
  res.end(data);
}

export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string | number> = {}): void {
  res.writeHead(status, { 'Content-Length': 0, ...headers });
  res.end();
}

export function sendError(res: ServerResponse, err: RegistryError, headers: Record<string, string> = {}): void {
  sendJson(res, err.status, err.body(), headers);
}

/**
 * Reads a whole (small) body: manifests. More than `limit` bytes is 413 (spec.md#pushing-manifests:
 * "SHOULD respond … 413 Payload Too Large"), decided from Content-Length before reading when given.
 */
export async function readSmallBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = contentLength(req);
  if (declared !== undefined && declared > limit)
    throw new RegistryError('MANIFEST_TOO_LARGE', `manifest is ${declared} bytes, the limit is ${limit}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      // Stop reading; the connection cannot be reused with an unread body, so close it after answering.
      req.resume();
      throw new RegistryError('MANIFEST_TOO_LARGE', `manifest is over the ${limit}-byte limit`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/** Content-Length as a number; undefined when absent (chunked); a malformed one is 400. */
export function contentLength(req: IncomingMessage): number | undefined {
  const v = req.headers['content-length'];
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new RegistryError('SIZE_INVALID', `invalid Content-Length '${v}'`);
  return Number(v);
}

/** Whether the request carries a body at all (Content-Length > 0 or chunked transfer). */
export function hasBody(req: IncomingMessage): boolean {
  const len = contentLength(req);
  if (len !== undefined) return len > 0;
  return req.headers['transfer-encoding'] !== undefined;
}

/**
 * Runs server-side work that follows a whole body (hashing a large upload on commit) with the
 * connection's idle timeout suspended: the timeout (config limits.bodyTimeoutMs) is there to
 * drop clients whose body stalls, not requests whose answer takes the server a while.
 */
export async function withoutIdleTimeout<T>(ctx: Ctx, work: () => Promise<T>): Promise<T> {
  const socket = ctx.req.socket;
  socket.setTimeout(0);
  try {
    return await work();
  } finally {
    if (!socket.destroyed) socket.setTimeout(ctx.deps.config.limits.bodyTimeoutMs);
  }
}

/** Drains an unused body so a keep-alive connection stays usable. */
export function drain(req: IncomingMessage): void {
  if (!req.readableEnded) req.resume();
}

/**
 * `n` of the paginated lists (spec.md#listing-tags): a non-negative integer, or undefined.
 * No spec error code fits a bad `n`; distribution answers 400, so do we.
 */
export function parseN(url: URL): number | undefined {
  const v = url.searchParams.get('n');
  if (v === null || v === '') return undefined;
  if (!/^\d+$/.test(v))
    throw new RegistryError('UNSUPPORTED', `n must be a non-negative integer, not '${v}'`, undefined, 400);
  return Math.min(Number(v), 100_000);
}
