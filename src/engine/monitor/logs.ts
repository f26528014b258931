/**
 * Reading a container's log as the monitor writes it (native/hull-monitor/logfile.c): ctr.log
 * and its rotations ctr.log.1 (newest) … ctr.log.N (oldest), each line one entry in docker's
 * json-file format or the CRI's k8s-file format (told apart line by line: json starts with `{`).
 * An entry is one line of output or a part of one; `data` is the bytes as the container wrote
 * them, newline included when the entry ends a line.
 *
 * `follow` keeps reading as the file grows and across rotations, and ends once the exit file
 * exists and everything before it has been read (the monitor flushes the log before writing
 * `exit`), or when the monitor is gone without one.
 */
import { type FSWatcher, watch } from 'node:fs';
import { type FileHandle, open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isErrno } from '../../errors.js';
import { monitorAlive, readExit } from './exit.js';

export interface LogEntry {
  stream: 'stdout' | 'stderr';
  /** RFC 3339 with nanoseconds, UTC. */
  time: string;
  data: Buffer;
}

export interface ReadLogsOptions {
  /** Only the last N lines (docker's --tail). */
  tail?: number;
  follow?: boolean;
  /** Only entries at or after this time (docker's --since). */
  since?: Date;
  /** Prefix every line with its time and a space (docker's --timestamps). */
  timestamps?: boolean;
  /** Where ctr.log is, when not in the container directory (the monitor's --log-dir). */
  logDir?: string;
}

const NL = 0x0a;

/** Fixed-width nanosecond UTC time, so that times compare as strings. */
function normTime(t: string): string {
  const m = /^(.*?)(?:\.(\d+))?Z$/.exec(t);
  if (!m) return t;
  return `${m[1]}.${(m[2] ?? '').padEnd(9, '0').slice(0, 9)}Z`;
}

/** One line of ctr.log (without its newline) → an entry; undefined for a line that is neither format. */
export function parseLogLine(line: Buffer): LogEntry | undefined {
  if (line[0] === 0x7b) {
    try {
      const j = JSON.parse(line.toString('utf8')) as { log?: unknown; stream?: unknown; time?: unknown };
      if (typeof j.log !== 'string' || typeof j.time !== 'string') return undefined;
      return { stream: j.stream === 'stderr' ? 'stderr' : 'stdout', time: j.time, data: Buffer.from(j.log, 'utf8') };
    } catch {
      return undefined;
    }
  }
  // CRI: TIMESTAMP SP STREAM SP TAG SP CONTENT; TAG F ends a line, P is part of one.
  const a = line.indexOf(0x20);
  const b = a < 0 ? -1 : line.indexOf(0x20, a + 1);
  const c = b < 0 ? -1 : line.indexOf(0x20, b + 1);
  if (c < 0) return undefined;
  const stream = line.toString('latin1', a + 1, b);
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const tag = line.toString('latin1', b + 1, c);
  const content = line.subarray(c + 1);
  const data = tag.startsWith('F') ? Buffer.concat([content, Buffer.from('\n')]) : Buffer.from(content);
  return { stream, time: line.toString('latin1', 0, a), data };
}

/** An open log file read forward from `pos`; `rest` holds a line not yet complete. */
class Cursor {
  pos = 0;
  rest: Buffer = Buffer.alloc(0);
  private constructor(
    readonly fh: FileHandle,
    readonly ino: number,
  ) {}

  static async open(path: string): Promise<Cursor | undefined> {
    try {
      const fh = await open(path, 'r');
      return new Cursor(fh, (await fh.stat()).ino);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return undefined;
      throw err;
    }
  }

  /** The complete lines written so far, in batches. */
  async *lines(): AsyncGenerator<Buffer[]> {
    for (;;) {
      const chunk = Buffer.allocUnsafe(64 * 1024);
      const { bytesRead } = await this.fh.read(chunk, 0, chunk.length, this.pos);
      if (!bytesRead) return;
      this.pos += bytesRead;
      const data = this.rest.length
        ? Buffer.concat([this.rest, chunk.subarray(0, bytesRead)])
        : chunk.subarray(0, bytesRead);
      const out: Buffer[] = [];
      let start = 0;
      for (let nl = data.indexOf(NL); nl >= 0; nl = data.indexOf(NL, start)) {
        out.push(data.subarray(start, nl));
        start = nl + 1;
      }
      this.rest = Buffer.from(data.subarray(start));
      if (out.length) yield out;
    }
  }

  close(): Promise<void> {
    return this.fh.close();
  }
}

/** ctr.log.N … ctr.log.1 that exist, oldest first, with their inodes. */
async function rotated(dir: string): Promise<Array<{ path: string; ino: number }>> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const nums = names
    .map((n) => /^ctr\.log\.(\d+)$/.exec(n)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((x, y) => y - x);
  const out: Array<{ path: string; ino: number }> = [];
  for (const n of nums) {
    const path = join(dir, `ctr.log.${n}`);
    try {
      out.push({ path, ino: (await stat(path)).ino });
    } catch {}
  }
  return out;
}

async function* wholeFile(path: string): AsyncGenerator<Buffer[]> {
  const c = await Cursor.open(path);
  if (!c) return;
  try {
    yield* c.lines();
    if (c.rest.length) yield [c.rest];
  } finally {
    await c.close();
  }
}

/** The last `n` lines: entries up to and including a newline make one line. */
class Tail {
  private entries: LogEntry[] = [];
  private head = 0;
  private complete = 0;
  constructor(private readonly n: number) {}
  push(e: LogEntry): void {
    if (this.n <= 0) return;
    this.entries.push(e);
    if (e.data.at(-1) === NL) this.complete++;
    while (this.complete > this.n) {
      const first = this.entries[this.head++] as LogEntry;
      if (first.data.at(-1) === NL) this.complete--;
    }
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }
  take(): LogEntry[] {
    return this.entries.slice(this.head);
  }
}

export async function* readLogs(containerDir: string, o: ReadLogsOptions = {}): AsyncGenerator<LogEntry> {
  const since = o.since ? normTime(o.since.toISOString()) : undefined;
  const lineStart = { stdout: true, stderr: true };
  const shape = (e: LogEntry): LogEntry => {
    if (!o.timestamps) return e;
    const start = lineStart[e.stream];
    lineStart[e.stream] = e.data.at(-1) === NL;
    return start ? { ...e, data: Buffer.concat([Buffer.from(`${e.time} `), e.data]) } : e;
  };
  const fromLines = async function* (batches: AsyncIterable<Buffer[]>): AsyncGenerator<LogEntry> {
    for await (const lines of batches) {
      for (const l of lines) {
        const e = parseLogLine(l);
        if (e && (!since || normTime(e.time) >= since)) yield e;
      }
    }
  };

  const logDir = o.logDir ?? containerDir;
  const current = join(logDir, 'ctr.log');
  let cur = await Cursor.open(current);
  const tail = o.tail !== undefined ? new Tail(o.tail) : undefined;
  let watcher: FSWatcher | undefined;
  try {
    // Everything so far: the rotated files older than the one we opened, then that one.
    const initial = async function* (): AsyncGenerator<LogEntry> {
      for (const r of await rotated(logDir)) {
        if (cur && r.ino === cur.ino) break;
        yield* fromLines(wholeFile(r.path));
      }
      if (cur) yield* fromLines(cur.lines());
    };
    if (tail) {
      for await (const e of initial()) tail.push(e);
      for (const e of tail.take()) yield shape(e);
    } else {
      for await (const e of initial()) yield shape(e);
    }
    if (!o.follow) return;

    let wake: (() => void) | undefined;
    try {
      // The log's directory: a write, a rotation, and the monitor's end (it writes `exit` only
      // after its last log write; the 250 ms poll covers an exit file kept elsewhere).
      watcher = watch(logDir, () => wake?.());
      watcher.on('error', () => {});
    } catch {}
    for (;;) {
      // Checked before reading: the monitor writes `exit` only after its last log write.
      const exited = readExit(containerDir) !== undefined;
      const gone = !exited && !monitorAlive(containerDir);
      if (cur) for await (const e of fromLines(cur.lines())) yield shape(e);
      let st: { ino: number; size: number } | undefined;
      try {
        st = await stat(current);
      } catch {}
      if (st && st.ino !== cur?.ino) {
        // Rotated: finish the old file, then any rotation newer than it, then the new ctr.log.
        if (cur) {
          for await (const e of fromLines(cur.lines())) yield shape(e);
          const old = cur.ino;
          await cur.close();
          const files = await rotated(logDir);
          const at = files.findIndex((r) => r.ino === old);
          for (const r of at >= 0 ? files.slice(at + 1) : []) {
            for await (const e of fromLines(wholeFile(r.path))) yield shape(e);
          }
        }
        cur = await Cursor.open(current);
        continue;
      }
      if (cur && st && st.size < cur.pos) {
        // Truncated at the cap (one log file): start over.
        cur.pos = 0;
        cur.rest = Buffer.alloc(0);
        continue;
      }
      if (exited || gone) return;
      await new Promise<void>((resolveWait) => {
        const timer = setTimeout(() => resolveWait(), 250);
        wake = () => {
          clearTimeout(timer);
          resolveWait();
        };
      });
      wake = undefined;
    }
  } finally {
    watcher?.close();
    await cur?.close();
  }
}
