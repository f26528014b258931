/**
 * What the monitor leaves behind: `exit` ("CODE TIME\n", written atomically once the
 * container's init has been reaped) and `monitor.pid` (removed when the monitor exits). A
 * container with neither an exit file nor a live monitor lost its monitor: the engine shows it
 * as stopped with an unknown exit code.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export function readExit(containerDir: string): { code: number; finishedAt: string } | undefined {
  let text: string;
  try {
    text = readFileSync(join(containerDir, 'exit'), 'utf8');
  } catch {
    return undefined;
  }
  const m = /^(-?\d+) (\S+)\n?$/.exec(text);
  return m ? { code: Number(m[1]), finishedAt: m[2] as string } : undefined;
}

/**
 * The monitor named by monitor.pid is alive: the process exists, is not a zombie, is
 * hull-monitor, and was started for this directory (a recycled pid fails the last two checks).
 */
export function monitorAlive(containerDir: string): boolean {
  try {
    const pid = Number(readFileSync(join(containerDir, 'monitor.pid'), 'utf8').trim());
    if (!Number.isSafeInteger(pid) || pid <= 0) return false;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "PID (comm) STATE ...": comm may hold spaces or parentheses, so split at the last ')'.
    const close = stat.lastIndexOf(')');
    if (stat.slice(stat.indexOf('(') + 1, close) !== 'hull-monitor') return false;
    if (stat.slice(close + 2, close + 3) === 'Z') return false;
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const i = argv.indexOf('--dir');
    return i >= 0 && argv[i + 1] === resolve(containerDir);
  } catch {
    return false;
  }
}
