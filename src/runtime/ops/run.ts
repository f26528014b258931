/**
 * `run`: create + start. With --detach it returns once started; otherwise hull-init's parent stays
 * as the container's parent (`monitor` in the plan), its exit status becomes ours (128+N for a
 * signal, as runc), signals we receive are passed on, and the container is deleted afterwards.
 */
import type { Logger } from '../cli/log.js';
import { type CreateOptions, create } from './create.js';
import { del } from './delete.js';
import { start } from './start.js';

export async function run(opts: CreateOptions & { detach: boolean; log: Logger }): Promise<number> {
  const created = await create({ ...opts, monitor: !opts.detach });
  if (opts.detach) {
    await start(opts.root, opts.id);
    return 0;
  }
  const child = created.child;
  if (!child) throw new Error('run: hull-init is not our child (a launcher started it)');
  const exited = new Promise<number>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code, sig) => resolve(code ?? 128 + (sig ? 15 : 0)));
  });
  const forward = (sig: NodeJS.Signals) => child.kill(sig);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const) process.on(sig, forward);
  try {
    await start(opts.root, opts.id);
  } catch (err) {
    await del(opts.root, opts.id, true, opts.log).catch(() => {});
    throw err;
  }
  const code = await exited;
  await del(opts.root, opts.id, true, opts.log);
  return code;
}
