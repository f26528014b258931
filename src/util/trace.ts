/**
 * Phase timestamps for finding where a command spends its time (bench/run.ts reads them):
 * with HULL_TRACE=1 every mark prints `hull-trace <ms since the process started> <label>` on
 * stderr. performance.now() counts from the process's time origin, so the first mark also shows
 * Node's own start-up and module loading. Off (one property read per mark) otherwise.
 */
const on = process.env.HULL_TRACE === '1';
if (on) process.on('exit', () => trace('exit'));

export function trace(label: string): void {
  if (on) process.stderr.write(`hull-trace ${performance.now().toFixed(1)} ${label}\n`);
}
