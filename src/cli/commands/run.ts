/** `hull run` and `hull create`: docker's flags, the engine's create/run, docker's exit codes. */

import { trace } from '../../util/trace.js';
import { flag, stringOption } from '../args.js';
import type { CommandSpec } from '../command.js';
import { runConfig, runOptions } from '../run-flags.js';

export const runCommand: CommandSpec = {
  name: 'run',
  summary: 'Create and run a container from an image (pulled if missing), like docker run.',
  usage: 'run [OPTIONS] IMAGE [COMMAND [ARG...]]',
  positionals: [1, Number.POSITIVE_INFINITY],
  stopAtFirstPositional: true,
  errorExitCode: 125,
  exitWhenDone: true,
  options: {
    ...runOptions,
    detach: { type: 'boolean', short: 'd', description: 'run in the background, print the id' },
  },
  details:
    "Exit status: the container's; 125 when hull itself fails, 126 when the command cannot be run, 127 when it is not found.",
  async run(args) {
    trace('run command loaded');
    const { openEngine } = await import('../../engine/engine.js');
    const { runContainer } = await import('../../engine/containers/run.js');
    const engine = openEngine(stringOption(args, 'root'));
    trace('engine open');
    const req = await runConfig(args);
    const detach = flag(args, 'detach');
    let result: Awaited<ReturnType<typeof runContainer>>;
    try {
      result = await runContainer(engine, { ...req, detach, quiet: flag(args, 'quiet') });
    } catch (err) {
      // docker: 126 when the command cannot be run, 127 when it is not found, else 125.
      const { printError } = await import('../output.js');
      const { runFailureCode } = await import('../../engine/containers/run.js');
      printError(err, { debug: flag(args, 'debug'), command: 'run' });
      return runFailureCode(err);
    }
    if (detach) {
      process.stdout.write(`${result.id}\n`);
      return 0;
    }
    return result.exitCode ?? 0;
  },
};

export const createCommand: CommandSpec = {
  name: 'create',
  summary: 'Create a container from an image without starting it, like docker create.',
  usage: 'create [OPTIONS] IMAGE [COMMAND [ARG...]]',
  positionals: [1, Number.POSITIVE_INFINITY],
  stopAtFirstPositional: true,
  errorExitCode: 125,
  exitWhenDone: true,
  options: runOptions,
  async run(args) {
    const { openEngine } = await import('../../engine/engine.js');
    const { createContainer } = await import('../../engine/containers/create.js');
    const engine = openEngine(stringOption(args, 'root'));
    const req = await runConfig(args);
    const created = await createContainer(engine, { ...req, quiet: flag(args, 'quiet') });
    process.stdout.write(`${created.id}\n`);
    return 0;
  },
};
