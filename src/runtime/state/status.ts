/**
 * The live status of a container (runtime.md#state), derived like runc: the init process is
 * alive (and is still *our* process: same start time as recorded, so a recycled pid does not
 * count) and the exec fifo exists → created; alive without the fifo → running; otherwise stopped.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StoredState } from './store.js';

export type LiveStatus = 'created' | 'running' | 'paused' | 'stopped';

export interface ProcStat {
  state: string;
  startTime: string;
}

/** /proc/PID/stat (proc(5)): the comm field may hold spaces and parentheses, so parse from the last ')'. */
export function procStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); field 22 (starttime) is rest[19].
  return { state: rest[0] ?? '?', startTime: rest[19] ?? '' };
}

export function isOurProcess(pid: number, startTime: string): boolean {
  if (!pid) return false;
  const st = procStat(pid);
  return !!st && st.startTime === startTime && st.state !== 'Z' && st.state !== 'X';
}

export function liveStatus(dir: string, s: StoredState): LiveStatus {
  if (!isOurProcess(s.pid, s.startTime)) return 'stopped';
  // `pause` leaves this marker while the cgroup is frozen (ops/pause.ts; runc pauses created
  // containers too, and resume brings them back to created).
  if (existsSync(join(dir, 'paused'))) return 'paused';
  return existsSync(join(dir, 'exec.fifo')) ? 'created' : 'running';
}

/** The runtime.md#state document. */
export function publicState(s: StoredState, status: string): Record<string, unknown> {
  const out: Record<string, unknown> = {
    ociVersion: s.ociVersion,
    id: s.id,
    status,
    pid: status === 'stopped' ? 0 : s.pid,
    bundle: s.bundle,
  };
  if (s.annotations && Object.keys(s.annotations).length) out.annotations = s.annotations;
  return out;
}
