/** Signal names and numbers as runc's kill accepts them: KILL, SIGKILL, 9 (signal(7)). */
import { constants } from 'node:os';
import { HullError } from '../errors.js';

export function parseSignal(s: string | undefined): number {
  if (s === undefined || s === '') return constants.signals.SIGTERM;
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    if (n >= 1 && n <= 64) return n;
  } else {
    const name = (
      s.toUpperCase().startsWith('SIG') ? s.toUpperCase() : `SIG${s.toUpperCase()}`
    ) as keyof typeof constants.signals;
    const n = constants.signals[name];
    if (n !== undefined) return n;
  }
  throw new HullError('USAGE', `unknown signal ${JSON.stringify(s)}`, { section: 'runtime-spec/runtime.md#kill' });
}
