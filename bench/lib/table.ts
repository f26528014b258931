/** Plain-text tables for benchmark reports. */
import type { Result } from './alternate.js';

/** Left-aligns the first column and right-aligns the others. */
export function formatTable(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) =>
    r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/**
 * tool, runs, wall median/min/max, CPU medians (user+sys, user, sys of the child processes) and,
 * given the bytes one run processes, MB/s at the wall median.
 */
export function resultsTable(results: Result[], bytes?: number): string {
  const header = ['tool', 'runs', 'median s', 'min s', 'max s', 'cpu s', 'user s', 'sys s'];
  if (bytes !== undefined) header.push('MB/s');
  const rows = results.map((r) => {
    if (r.error) return [r.name, String(r.runs), 'failed', ...header.slice(3).map(() => '')];
    const row = [
      r.name,
      String(r.runs),
      ...[r.median, r.min, r.max, r.cpuTotal, r.cpuUser, r.cpuSys].map((x) => x.toFixed(3)),
    ];
    if (bytes !== undefined) row.push((bytes / 1e6 / r.median).toFixed(1));
    return row;
  });
  return formatTable(header, rows);
}

/** `ratio a/b: X.XX (target ≤ T), cpu X.XX`, or n/a when either result is missing. */
export function ratioLine(a: Result | undefined, b: Result | undefined, names: string, target: number): string {
  const both = a && b && !a.error && !b.error;
  const ratio = both ? (a.median / b.median).toFixed(2) : 'n/a';
  const cpu = both && b.cpuTotal > 0 ? (a.cpuTotal / b.cpuTotal).toFixed(2) : 'n/a';
  return `ratio ${names}: ${ratio} wall (target ≤ ${target.toFixed(2)}), ${cpu} cpu`;
}
