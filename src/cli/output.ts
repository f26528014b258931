/** How the CLI prints: data to stdout (JSON or tables), one clear error line to stderr. */
import { HullError, ValidationError } from '../errors.js';
import { UsageError } from './command.js';

export function printJSON(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 4)}\n`);
}

/** A plain table with left-aligned columns, like podman's and skopeo's. */
export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]! + 2)))
      .join('')
      .trimEnd();
  process.stdout.write(`${[line(header), ...rows.map(line)].join('\n')}\n`);
}

export function printError(err: unknown, opts: { debug: boolean; command?: string }): void {
  const prefix = opts.command ? `hull ${opts.command}` : 'hull';
  let message: string;
  if (err instanceof UsageError) {
    message = `${err.message} (see 'hull${opts.command && !err.message.startsWith('unknown command') ? ` ${opts.command}` : ''} --help')`;
  } else if (err instanceof ValidationError) {
    message = err.message;
  } else if (err instanceof HullError) {
    message = err.message;
  } else if (err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string') {
    // Node's fs errors already name the syscall and path ("ENOENT: no such file or directory, open 'x'").
    message = err.message;
  } else {
    message = err instanceof Error ? err.message : String(err);
  }
  process.stderr.write(`${prefix}: ${message}\n`);
  if (opts.debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
}

export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}
