/** `hull container cleanup ID`: run by a container's monitor after it exits (not for people). */
import { stringOption } from '../args.js';
import type { CommandSpec } from '../command.js';
import { rootOption } from '../engine-command.js';

export const containerCommand: CommandSpec = {
  name: 'container',
  summary: "Container housekeeping: 'cleanup ID' releases an exited container's rootfs, network and runtime state.",
  usage: 'container cleanup [--root DIR] ID',
  positionals: [2, 2],
  errorExitCode: 125,
  exitWhenDone: true,
  options: { root: rootOption },
  async run(args) {
    const [sub, id] = args.positionals as [string, string];
    const { UsageError } = await import('../command.js');
    if (sub !== 'cleanup') throw new UsageError(`unknown subcommand 'container ${sub}'`);
    const { openEngine } = await import('../../engine/engine.js');
    const { cleanupAfterExit } = await import('../../engine/containers/cleanup.js');
    await cleanupAfterExit(openEngine(stringOption(args, 'root')), id);
    return 0;
  },
};
