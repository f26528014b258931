/**
 * runc-compatible logging: `--log FILE` receives records, `--log-format json` makes them
 * `{"level":"error","msg":"...","time":"..."}` lines (what podman and containerd parse from the
 * runtime's log to explain a failure), text makes them `time="..." level=error msg="..."`.
 * Without --log, warnings and debug go to stderr. Errors always also go to stderr, one line.
 */
import { appendFileSync } from 'node:fs';

export type Level = 'debug' | 'info' | 'warning' | 'error';

export interface Logger {
  /** false when debug() drops its messages, so callers can skip building costly ones (the plan). */
  readonly debugging?: boolean;
  debug(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export function makeLogger(opts: { file?: string; format?: string; debug?: boolean }): Logger {
  const json = opts.format === 'json';
  const record = (level: Level, msg: string) => {
    const time = new Date().toISOString();
    const line = json
      ? `${JSON.stringify({ level, msg, time })}\n`
      : `time="${time}" level=${level} msg=${JSON.stringify(msg)}\n`;
    if (opts.file) {
      try {
        appendFileSync(opts.file, line);
        return;
      } catch {
        // Fall through to stderr.
      }
    }
    if (level !== 'error') process.stderr.write(`hull-runtime: ${level}: ${msg}\n`);
  };
  return {
    debugging: !!opts.debug,
    debug: (m) => {
      if (opts.debug) record('debug', m);
    },
    warn: (m) => record('warning', m),
    error: (m) => {
      if (opts.file) record('error', m);
    },
  };
}
