/** docker's per-container verbs: start, stop, kill, rm, wait. Each prints what docker prints. */
import { flag, stringOption } from '../args.js';
import { type CommandSpec, UsageError } from '../command.js';
import { rootOption } from '../engine-command.js';

/** Runs fn for every named container; docker goes on after a failure and exits 1 at the end. */
async function each(names: string[], fn: (name: string) => Promise<string | undefined>): Promise<number> {
  let failed = false;
  for (const n of names) {
    try {
      const out = await fn(n);
      if (out !== undefined) process.stdout.write(`${out}\n`);
    } catch (err) {
      process.stderr.write(`Error response from hull: ${(err as Error).message}\n`);
      failed = true;
    }
  }
  return failed ? 1 : 0;
}

async function engineOf(args: Parameters<CommandSpec['run']>[0]) {
  const { openEngine } = await import('../../engine/engine.js');
  return openEngine(stringOption(args, 'root'));
}

export const startCommand: CommandSpec = {
  name: 'start',
  summary: 'Start one or more created or stopped containers.',
  usage: 'start [OPTIONS] CONTAINER...',
  positionals: [1, Number.POSITIVE_INFINITY],
  errorExitCode: 125,
  exitWhenDone: true,
  options: { root: rootOption },
  async run(args) {
    const engine = await engineOf(args);
    const { startContainer } = await import('../../engine/containers/lifecycle.js');
    return each(args.positionals, async (n) => {
      await startContainer(engine, n);
      return n;
    });
  },
};

export const stopCommand: CommandSpec = {
  name: 'stop',
  summary: "Stop running containers: the image's stop signal (SIGTERM), then SIGKILL after the timeout.",
  usage: 'stop [OPTIONS] CONTAINER...',
  positionals: [1, Number.POSITIVE_INFINITY],
  errorExitCode: 125,
  exitWhenDone: true,
  options: {
    root: rootOption,
    time: { type: 'string', short: 't', description: 'seconds to wait before killing (default 10)', valueName: 'N' },
  },
  async run(args) {
    const engine = await engineOf(args);
    const t = stringOption(args, 'time');
    if (t !== undefined && !/^\d+$/.test(t)) throw new UsageError(`invalid --time '${t}'`);
    const { stopContainer } = await import('../../engine/containers/lifecycle.js');
    return each(args.positionals, async (n) => {
      await stopContainer(engine, n, t === undefined ? undefined : Number(t));
      return n;
    });
  },
};

export const killCommand: CommandSpec = {
  name: 'kill',
  summary: 'Send a signal (default SIGKILL) to running containers.',
  usage: 'kill [OPTIONS] CONTAINER...',
  positionals: [1, Number.POSITIVE_INFINITY],
  errorExitCode: 125,
  exitWhenDone: true,
  options: {
    root: rootOption,
    signal: { type: 'string', short: 's', description: 'signal name or number', valueName: 'SIG' },
  },
  async run(args) {
    const engine = await engineOf(args);
    const { killContainer } = await import('../../engine/containers/lifecycle.js');
    return each(args.positionals, async (n) => {
      await killContainer(engine, n, stringOption(args, 'signal') ?? 'KILL');
      return n;
    });
  },
};

export const rmCommand: CommandSpec = {
  name: 'rm',
  summary: 'Remove containers (running ones with -f).',
  usage: 'rm [OPTIONS] CONTAINER...',
  positionals: [1, Number.POSITIVE_INFINITY],
  errorExitCode: 125,
  exitWhenDone: true,
  options: {
    root: rootOption,
    force: { type: 'boolean', short: 'f', description: 'kill and remove running containers' },
  },
  async run(args) {
    const engine = await engineOf(args);
    const { removeContainer } = await import('../../engine/containers/lifecycle.js');
    return each(args.positionals, async (n) => {
      await removeContainer(engine, n, flag(args, 'force'));
      return n;
    });
  },
};

export const waitCommand: CommandSpec = {
  name: 'wait',
  summary: 'Wait for containers to stop and print their exit codes.',
  usage: 'wait [OPTIONS] CONTAINER...',
  positionals: [1, Number.POSITIVE_INFINITY],
  errorExitCode: 125,
  exitWhenDone: true,
  options: { root: rootOption },
  async run(args) {
    const engine = await engineOf(args);
    const { waitContainer } = await import('../../engine/containers/lifecycle.js');
    return each(args.positionals, async (n) => String(await waitContainer(engine, n)));
  },
};
