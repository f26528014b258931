/** docker's per-container verbs: start, stop, kill, rm, wait. Each prints what docker prints. */
import { flag, stringOption } from '../args.js';
import { type CommandSpec, type OptionSpec, type ParsedCommand, UsageError } from '../command.js';
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

type Lifecycle = typeof import('../../engine/containers/lifecycle.js');
type Engine = import('../../engine/engine.js').Engine;

/**
 * A verb over CONTAINER...: its options besides --root, and what it does to one container given
 * the engine and the lifecycle module (its output line, if any). `check` sees the options first,
 * so a bad flag fails before any container is touched.
 */
function containerVerb(o: {
  name: string;
  summary: string;
  options?: Record<string, OptionSpec>;
  check?: (args: ParsedCommand) => void;
  act: (lc: Lifecycle, engine: Engine, name: string, args: ParsedCommand) => Promise<string | undefined>;
}): CommandSpec {
  return {
    name: o.name,
    summary: o.summary,
    usage: `${o.name} [OPTIONS] CONTAINER...`,
    positionals: [1, Number.POSITIVE_INFINITY],
    errorExitCode: 125,
    exitWhenDone: true,
    options: { root: rootOption, ...o.options },
    async run(args) {
      o.check?.(args);
      const { openEngine } = await import('../../engine/engine.js');
      const engine = openEngine(stringOption(args, 'root'));
      const lc = await import('../../engine/containers/lifecycle.js');
      return each(args.positionals, (n) => o.act(lc, engine, n, args));
    },
  };
}

export const startCommand = containerVerb({
  name: 'start',
  summary: 'Start one or more created or stopped containers.',
  act: async (lc, engine, n) => {
    await lc.startContainer(engine, n);
    return n;
  },
});

export const stopCommand = containerVerb({
  name: 'stop',
  summary: "Stop running containers: the image's stop signal (SIGTERM), then SIGKILL after the timeout.",
  options: {
    time: { type: 'string', short: 't', description: 'seconds to wait before killing (default 10)', valueName: 'N' },
  },
  check: (args) => {
    const t = stringOption(args, 'time');
    if (t !== undefined && !/^\d+$/.test(t)) throw new UsageError(`invalid --time '${t}'`);
  },
  act: async (lc, engine, n, args) => {
    const t = stringOption(args, 'time');
    await lc.stopContainer(engine, n, t === undefined ? undefined : Number(t));
    return n;
  },
});

export const killCommand = containerVerb({
  name: 'kill',
  summary: 'Send a signal (default SIGKILL) to running containers.',
  options: { signal: { type: 'string', short: 's', description: 'signal name or number', valueName: 'SIG' } },
  act: async (lc, engine, n, args) => {
    await lc.killContainer(engine, n, stringOption(args, 'signal') ?? 'KILL');
    return n;
  },
});

export const rmCommand = containerVerb({
  name: 'rm',
  summary: 'Remove containers (running ones with -f).',
  options: { force: { type: 'boolean', short: 'f', description: 'kill and remove running containers' } },
  act: async (lc, engine, n, args) => {
    await lc.removeContainer(engine, n, flag(args, 'force'));
    return n;
  },
});

export const waitCommand = containerVerb({
  name: 'wait',
  summary: 'Wait for containers to stop and print their exit codes.',
  act: async (lc, engine, n) => String(await lc.waitContainer(engine, n)),
});
