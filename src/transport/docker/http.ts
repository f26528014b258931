/**
 * fetch with what talking to registries needs: bounded retries with exponential backoff on
 * connection errors, 429 and 5xx (only for requests whose body can be sent again), and TLS
 * verification that can be switched off (--tls-verify=false) through an undici Agent.
 */
import { HullError } from '../../errors.js';

export const MAX_TRIES = 5;

/** Base backoff; tests shorten it with HULL_RETRY_DELAY_MS so retry tests stay fast. */
function baseDelay(): number {
  const v = Number(process.env.HULL_RETRY_DELAY_MS);
  return Number.isFinite(v) && v >= 0 && process.env.HULL_RETRY_DELAY_MS !== '' ? v : 250;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function backoff(attempt: number): number {
  return baseDelay() * 2 ** attempt;
}

type Dispatcher = object;
let insecure: Dispatcher | undefined;

/**
 * An undici Agent that skips certificate checks. Node bundles undici without exporting it; its
 * global dispatcher (created by the first fetch) is an Agent, whose class we reuse.
 */
async function insecureDispatcher(): Promise<Dispatcher> {
  if (insecure) return insecure;
  const key = Symbol.for('undici.globalDispatcher.1');
  const g = globalThis as unknown as Record<symbol, object | undefined>;
  if (!g[key]) await fetch('data:,').catch(() => undefined);
  const global = g[key];
  if (!global) throw new HullError('TLS_UNSUPPORTED', 'cannot disable TLS verification: no undici dispatcher');
  const Agent = global.constructor as new (opts: object) => Dispatcher;
  insecure = new Agent({ connect: { rejectUnauthorized: false } });
  return insecure;
}

export interface HttpOptions {
  /** false: skip certificate verification (and allow plain http, decided by the caller). */
  tlsVerify: boolean;
}

export type Body = Buffer | undefined;

/** Statuses worth another try: the server said "later" or failed in passing. */
export function retryableStatus(status: number): boolean {
  return status === 429 || status === 500 || status === 502 || status === 503 || status === 504;
}

/** One fetch, with the TLS setting applied; connection problems become HullErrors naming the URL. */
export async function rawFetch(url: string, init: RequestInit, http: HttpOptions): Promise<Response> {
  const extra: Record<string, unknown> = { redirect: 'follow' };
  if (!http.tlsVerify && url.startsWith('https:')) extra.dispatcher = await insecureDispatcher();
  return fetch(url, { ...init, ...extra } as RequestInit);
}

/** A network failure as one line: undici hides the reason in `cause`. */
export function networkError(url: string, err: unknown): HullError {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const why = cause?.code ?? cause?.message ?? (err as Error).message;
  return new HullError('NETWORK', `${url}: ${why}`, { cause: err });
}

/**
 * fetch with retries: connection errors, 429 and 5xx are retried up to MAX_TRIES times with
 * exponential backoff, as long as the body is a buffer (a stream cannot be sent twice).
 */
export async function fetchWithRetry(url: string, init: RequestInit, http: HttpOptions): Promise<Response> {
  let lastError: unknown;
  for (let attempt = 0; attempt < MAX_TRIES; attempt++) {
    if (attempt > 0) await sleep(backoff(attempt - 1));
    let res: Response;
    try {
      res = await rawFetch(url, init, http);
    } catch (err) {
      lastError = networkError(url, err);
      continue;
    }
    if (retryableStatus(res.status) && attempt < MAX_TRIES - 1) {
      await res.body?.cancel().catch(() => undefined);
      lastError = undefined;
      continue;
    }
    return res;
  }
  throw lastError ?? new HullError('NETWORK', `${url}: giving up after ${MAX_TRIES} tries`);
}
