/** `hull volume create|ls|rm|inspect`: named volumes, as docker volume. */
import { flag, stringOption } from '../args.js';
import { type CommandSpec, UsageError } from '../command.js';
import { rootOption } from '../engine-command.js';
import { printJSON, printTable } from '../output.js';

export const volumeCommand: CommandSpec = {
  name: 'volume',
  summary: 'Manage named volumes: create NAME, ls, rm NAME..., inspect NAME..., prune.',
  usage: 'volume create [NAME] | ls [-q] | rm [-f] NAME... | inspect NAME... | prune',
  positionals: [1, Number.POSITIVE_INFINITY],
  errorExitCode: 125,
  options: {
    root: rootOption,
    quiet: { type: 'boolean', short: 'q', description: 'only names (ls)' },
    force: { type: 'boolean', short: 'f', description: 'remove even if in use (rm)' },
  },
  async run(args) {
    const [sub, ...names] = args.positionals as [string, ...string[]];
    const { openEngine } = await import('../../engine/engine.js');
    const v = await import('../../engine/volumes/volumes.js');
    const engine = openEngine(stringOption(args, 'root'));
    switch (sub) {
      case 'create': {
        if (names.length > 1) throw new UsageError('volume create takes at most one name');
        const { randomBytes } = await import('node:crypto');
        const info = v.createVolume(engine, names[0] ?? randomBytes(32).toString('hex'));
        process.stdout.write(`${info.name}\n`);
        return 0;
      }
      case 'ls':
        if (flag(args, 'quiet')) for (const i of v.listVolumes(engine)) process.stdout.write(`${i.name}\n`);
        else
          printTable(
            ['DRIVER', 'VOLUME NAME'],
            v.listVolumes(engine).map((i) => [i.driver, i.name]),
          );
        return 0;
      case 'inspect':
        printJSON(names.map((n) => v.inspectVolume(engine, n)));
        return 0;
      case 'rm': {
        if (!names.length) throw new UsageError('volume rm needs at least one name');
        let failed = 0;
        for (const n of names) {
          try {
            v.removeVolume(engine, n, flag(args, 'force'));
            process.stdout.write(`${n}\n`);
          } catch (err) {
            process.stderr.write(`Error: ${(err as Error).message}\n`);
            failed = 1;
          }
        }
        return failed;
      }
      case 'prune':
        for (const n of v.unusedVolumes(engine)) {
          v.removeVolume(engine, n);
          process.stdout.write(`${n}\n`);
        }
        return 0;
      default:
        throw new UsageError(`unknown subcommand 'volume ${sub}'`);
    }
  },
};
