/** `list`: every container under --root, as runc prints it (table, json, or ids with -q). */
import { liveStatus } from '../state/status.js';
import { containerDir, listIds, readState } from '../state/store.js';

export interface ListEntry {
  ociVersion: string;
  id: string;
  pid: number;
  status: string;
  bundle: string;
  rootfs: string;
  created: string;
  owner: string;
  annotations?: Record<string, string>;
}

export function list(root: string): ListEntry[] {
  const out: ListEntry[] = [];
  for (const id of listIds(root)) {
    let s: ReturnType<typeof readState>;
    try {
      s = readState(root, id);
    } catch {
      continue; // being created or deleted right now
    }
    const status = liveStatus(containerDir(root, id), s);
    out.push({
      ociVersion: s.ociVersion,
      id,
      pid: status === 'stopped' ? 0 : s.pid,
      status,
      bundle: s.bundle,
      rootfs: s.rootfs,
      created: s.created,
      owner: s.owner,
      ...(s.annotations ? { annotations: s.annotations } : {}),
    });
  }
  return out;
}

export function formatList(entries: ListEntry[], format: string, quiet: boolean): string {
  if (quiet) return entries.map((e) => `${e.id}\n`).join('');
  if (format === 'json') return `${JSON.stringify(entries)}\n`;
  const rows = [
    ['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER'],
    ...entries.map((e) => [e.id, String(e.pid), e.status, e.bundle, e.created, e.owner]),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows
    .map(
      (r) =>
        `${r
          .map((c, i) => c.padEnd(widths[i]!))
          .join('   ')
          .trimEnd()}\n`,
    )
    .join('');
}
