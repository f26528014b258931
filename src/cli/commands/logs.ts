/** `hull logs [-f] [--tail N] [-t] [--since T] CONTAINER`: what the monitor logged. */
import { flag, stringOption } from '../args.js';
import { type CommandSpec, UsageError } from '../command.js';
import { rootOption } from '../engine-command.js';

export const logsCommand: CommandSpec = {
  name: 'logs',
  summary: "Print a container's output (stdout to stdout, stderr to stderr), following it with -f.",
  usage: 'logs [OPTIONS] CONTAINER',
  positionals: [1, 1],
  errorExitCode: 125,
  options: {
    root: rootOption,
    follow: { type: 'boolean', short: 'f', description: 'follow the output until the container exits' },
    tail: { type: 'string', short: 'n', description: 'number of lines from the end (or all)', valueName: 'N' },
    timestamps: { type: 'boolean', short: 't', description: 'show timestamps' },
    since: {
      type: 'string',
      description: 'only lines after this time (RFC 3339 or seconds ago, e.g. 10s, 5m)',
      valueName: 'T',
    },
  },
  async run(args) {
    const { openEngine } = await import('../../engine/engine.js');
    const { lookup } = await import('../../engine/containers/lifecycle.js');
    const { containerDataDir, containerDir } = await import('../../engine/paths.js');
    const { readLogs } = await import('../../engine/monitor/index.js');
    const engine = openEngine(stringOption(args, 'root'));
    const c = lookup(engine, args.positionals[0] as string);
    const tailText = stringOption(args, 'tail');
    let tail: number | undefined;
    if (tailText !== undefined && tailText !== 'all') {
      if (!/^\d+$/.test(tailText)) throw new UsageError(`invalid --tail '${tailText}'`);
      tail = Number(tailText);
    }
    const since = parseSince(stringOption(args, 'since'));
    const stamps = flag(args, 'timestamps');
    const follow = flag(args, 'follow') && (c.state === 'running' || c.state === 'created');
    for await (const rec of readLogs(containerDir(engine.paths, c.id), {
      tail,
      follow,
      since,
      timestamps: stamps,
      logDir: containerDataDir(engine.paths, c.id),
    })) {
      const out = rec.stream === 'stderr' ? process.stderr : process.stdout;
      if (stamps) out.write(`${rec.time} `);
      if (!out.write(rec.data)) await new Promise((r) => out.once('drain', r));
    }
    return 0;
  },
};

function parseSince(text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const rel = /^(\d+)([smh])$/.exec(text);
  if (rel) return new Date(Date.now() - Number(rel[1]) * { s: 1e3, m: 6e4, h: 3.6e6 }[rel[2] as 's' | 'm' | 'h']);
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new UsageError(`invalid --since '${text}'`);
  return new Date(t);
}
