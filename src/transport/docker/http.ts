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
let extraCa: Dispatcher | undefined;

/**
 * undici's Agent class. Node bundles undici without exporting it; its global dispatcher
 * (created by the first fetch) is an Agent, whose class we reuse.
 */
async function agentClass(what: string): Promise<new (opts: object) => Dispatcher> {
  const key = Symbol.for('undici.globalDispatcher.1');
  const g = globalThis as unknown as Record<symbol, object | undefined>;
  if (!g[key]) await fetch('data:,').catch(() => undefined);
  const global = g[key];
  if (!global) throw new HullError('TLS_UNSUPPORTED', `cannot ${what}: no undici dispatcher`);
  return global.constructor as new (
    opts: object,
  ) => Dispatcher;
}

/** An undici Agent that skips certificate checks (--tls-verify=false). */
async function insecureDispatcher(): Promise<Dispatcher> {
  if (insecure) return insecure;
  const Agent = await agentClass('disable TLS verification');
  insecure = new Agent({ connect: { rejectUnauthorized: false } });
  return insecure;
}

/**
 * NODE_EXTRA_CA_CERTS, loaded only when a TLS connection is made: bin/hull moves it to
 * HULL_EXTRA_CA_CERTS because Node would otherwise parse it (and its own root store) at every
 * start-up, ~50 ms, for commands that never connect. Trusted: Node's roots plus the file's
 * certificates, as Node does with the variable; one secure context for every connection. An
 * unreadable file is a warning, as it is for Node.
 */
async function extraCaDispatcher(): Promise<Dispatcher | undefined> {
  const file = process.env.HULL_EXTRA_CA_CERTS;
  if (!file) return undefined;
  if (extraCa) return extraCa;
  const tls = await import('node:tls');
  const { readFileSync } = await import('node:fs');
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    process.stderr.write(`hull: warning: ignoring extra certs from ${file}: ${(err as Error).message}\n`);
    pem = '';
  }
  const secureContext = tls.createSecureContext({
    ca: pem ? [...tls.rootCertificates, pem] : [...tls.rootCertificates],
  });
  const Agent = await agentClass('load HULL_EXTRA_CA_CERTS');
  extraCa = new Agent({ connect: { secureContext } });
  return extraCa;
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
  else if (http.tlsVerify && process.env.HULL_EXTRA_CA_CERTS) extra.dispatcher = await extraCaDispatcher();
  return fetch(url, { ...init, ...extra } as RequestInit);
}

/** A network failure as one line: undici hides the reason in `cause`. */
export function networkError(url: string, err: unknown): HullError {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const why = cause?.code ?? cause?.message ?? (err as Error).message;
  const hint = certificateProblem(err) ? ' (the certificate is not trusted; --tls-verify=false skips the check)' : '';
  return new HullError('NETWORK', `${url}: ${why}${hint}`, { cause: err });
}

/**
 * A failure another try cannot fix: the server's certificate was refused. Retrying would only
 * delay the error; the message says how to skip verification.
 */
export function certificateProblem(err: unknown): string | undefined {
  const code = (err as { cause?: { code?: unknown } }).cause?.code;
  if (typeof code !== 'string') return undefined;
  return /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code) ? code : undefined;
}

/**
 * fetch with retries: connection errors, 429 and 5xx are retried up to MAX_TRIES times with
 * exponential backoff, as long as the body is a buffer (a stream cannot be sent twice).
 * Certificate errors are not retried.
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
      if (certificateProblem(err)) break;
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
