/** `hull exec [-i] [-t] [-d] [-e K=V] [-u USER] [-w DIR] CONTAINER CMD...` */
import { flag, listOption, stringOption } from '../args.js';
import type { CommandSpec } from '../command.js';
import { rootOption } from '../engine-command.js';

export const execCommand: CommandSpec = {
  name: 'exec',
  summary: 'Run a command in a running container; exits with its status.',
  usage: 'exec [OPTIONS] CONTAINER COMMAND [ARG...]',
  positionals: [2, Number.POSITIVE_INFINITY],
  stopAtFirstPositional: true,
  errorExitCode: 125,
  exitWhenDone: true,
  options: {
    root: rootOption,
    interactive: { type: 'boolean', short: 'i', description: 'keep STDIN open' },
    tty: { type: 'boolean', short: 't', description: 'allocate a pseudo-TTY' },
    detach: { type: 'boolean', short: 'd', description: 'run in the background' },
    env: { type: 'string', short: 'e', multiple: true, description: 'set an environment variable', valueName: 'K=V' },
    user: { type: 'string', short: 'u', description: 'user (name|uid[:group|gid])', valueName: 'USER' },
    workdir: { type: 'string', short: 'w', description: 'working directory', valueName: 'DIR' },
  },
  async run(args) {
    const { openEngine } = await import('../../engine/engine.js');
    const { execInContainer } = await import('../../engine/containers/exec.js');
    const engine = openEngine(stringOption(args, 'root'));
    const [name, ...cmd] = args.positionals as [string, ...string[]];
    return execInContainer(engine, name, {
      args: cmd,
      env: listOption(args, 'env'),
      user: stringOption(args, 'user'),
      workdir: stringOption(args, 'workdir'),
      tty: flag(args, 'tty'),
      interactive: flag(args, 'interactive'),
      detach: flag(args, 'detach'),
    });
  },
};
