/**
 * `ps ID [--format table|json] [-- PS ARGS]` (runc's): the processes in the container's cgroup.
 * json is the array of host pids; table runs ps(1) (default `-ef`) and keeps the header and the
 * lines whose PID column is one of them.
 */
import { execFileSync } from 'node:child_process';
import { HullError } from '../../errors.js';
import { containerCgroup } from './pause.js';

export async function psPids(root: string, id: string): Promise<number[]> {
  const { cg } = await containerCgroup(root, id);
  return cg.pids().sort((a, b) => a - b);
}

export async function ps(root: string, id: string, format: string, psArgs: string[]): Promise<string> {
  if (format !== 'table' && format !== 'json')
    throw new HullError('USAGE', `--format must be table or json, not ${format}`);
  const pids = await psPids(root, id);
  if (format === 'json') return `${JSON.stringify(pids)}\n`;
  let out: string;
  try {
    out = execFileSync('ps', psArgs.length ? psArgs : ['-ef'], { encoding: 'utf8' });
  } catch (err) {
    throw new HullError('PS_FAILED', `ps ${psArgs.join(' ')}: ${(err as Error).message}`);
  }
  const lines = out.split('\n');
  const header = lines[0] ?? '';
  const col = header.trim().split(/\s+/).indexOf('PID');
  if (col < 0) throw new HullError('PS_FAILED', `ps output has no PID column: ${header}`);
  const set = new Set(pids);
  const kept = lines.slice(1).filter((l) => set.has(Number(l.trim().split(/\s+/)[col])));
  return `${[header, ...kept].join('\n')}\n`;
}
