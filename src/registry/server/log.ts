/**
 * Structured request logs: one JSON line per request on stderr (time, method, path, status,
 * response body bytes, duration, user), written when the response finishes or the connection
 * closes early — an aborted upload is logged too, with status 0 if nothing was answered.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface RequestLog {
  time: string;
  method: string;
  path: string;
  status: number;
  bytes: number;
  ms: number;
  user?: string;
  error?: string;
  aborted?: boolean;
}

export type LogSink = (line: RequestLog) => void;

export const stderrSink: LogSink = (line) => {
  process.stderr.write(`${JSON.stringify(line)}\n`);
};

/** Per-request state the handler fills in (user once authorized, error when one was logged). */
export interface LogState {
  user?: string;
  error?: string;
}

/** Counts response body bytes and logs once at the end; returns the state to fill in. */
export function trackRequest(req: IncomingMessage, res: ServerResponse, sink: LogSink | undefined): LogState {
  const state: LogState = {};
  if (!sink) return state;
  const start = process.hrtime.bigint();
  let bytes = 0;
  const write = res.write.bind(res) as (...a: unknown[]) => boolean;
  const end = res.end.bind(res) as (...a: unknown[]) => ServerResponse;
  const count = (chunk: unknown) => {
    if (typeof chunk === 'string') bytes += Buffer.byteLength(chunk);
    else if (chunk instanceof Uint8Array) bytes += chunk.length;
  };
  res.write = ((chunk: unknown, ...rest: unknown[]) => {
    count(chunk);
    return write(chunk, ...rest);
  }) as typeof res.write;
  res.end = ((chunk?: unknown, ...rest: unknown[]) => {
    if (typeof chunk !== 'function') count(chunk);
    return end(chunk, ...rest);
  }) as typeof res.end;
  let logged = false;
  const done = () => {
    if (logged) return;
    logged = true;
    const line: RequestLog = {
      time: new Date().toISOString(),
      method: req.method ?? '',
      path: req.url ?? '',
      status: res.headersSent ? res.statusCode : 0,
      bytes: req.method === 'HEAD' ? 0 : bytes,
      ms: Math.round(Number(process.hrtime.bigint() - start) / 1e4) / 100,
    };
    if (state.user !== undefined) line.user = state.user;
    if (state.error !== undefined) line.error = state.error;
    if (!res.writableFinished) line.aborted = true;
    sink(line);
  };
  res.on('finish', done);
  res.on('close', done);
  return state;
}
