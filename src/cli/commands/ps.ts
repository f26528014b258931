/** `hull ps [-a] [-q] [--no-trunc] [--format json]`: docker's columns. */
import { flag, outputFormat, stringOption } from '../args.js';
import type { CommandSpec } from '../command.js';
import { rootOption } from '../engine-command.js';
import { printTable } from '../output.js';

export const psCommand: CommandSpec = {
  name: 'ps',
  summary: 'List containers (running ones; all with -a).',
  usage: 'ps [OPTIONS]',
  positionals: [0, 0],
  errorExitCode: 125,
  exitWhenDone: true,
  options: {
    root: rootOption,
    all: { type: 'boolean', short: 'a', description: 'show all containers, not only running ones' },
    quiet: { type: 'boolean', short: 'q', description: 'only print container ids' },
    'no-trunc': { type: 'boolean', description: 'do not truncate ids and commands' },
    format: { type: 'string', description: 'table (default) or json', valueName: 'F' },
  },
  async run(args) {
    const { openEngine } = await import('../../engine/engine.js');
    const { listContainers, statusText, createdText, portsText, inspectContainer } = await import(
      '../../engine/containers/list.js'
    );
    const engine = openEngine(stringOption(args, 'root'));
    const format = outputFormat(args, ['table', 'json'] as const, 'table');
    const rows = listContainers(engine, flag(args, 'all'));
    const full = flag(args, 'no-trunc');
    if (flag(args, 'quiet')) {
      for (const c of rows) process.stdout.write(`${full ? c.id : c.id.slice(0, 12)}\n`);
      return 0;
    }
    if (format === 'json') {
      process.stdout.write(
        `${JSON.stringify(
          rows.map((c) => inspectContainer(engine, c)),
          null,
          2,
        )}\n`,
      );
      return 0;
    }
    const cmd = (c: (typeof rows)[number]) => {
      const text = `"${c.command.join(' ')}"`;
      return full || text.length <= 22 ? text : `${text.slice(0, 19)}…"`;
    };
    printTable(
      ['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES'],
      rows.map((c) => [
        full ? c.id : c.id.slice(0, 12),
        c.image,
        cmd(c),
        createdText(c),
        statusText(c),
        portsText(c),
        c.name,
      ]),
    );
    return 0;
  },
};
