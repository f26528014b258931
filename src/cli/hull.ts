/**
 * The `hull` CLI: a table of commands, each imported only when it runs so that start-up loads
 * nothing a command does not use.
 */
import { helpText, parseCommand } from './args.js';
import { type CommandSpec, UsageError } from './command.js';
import { printError } from './output.js';

type Loader = () => Promise<CommandSpec>;

const commands: Record<string, { summary: string; load: Loader }> = {
  import: {
    summary: 'make a single-layer image from a directory',
    load: async () => (await import('./commands/import.js')).importCommand,
  },
  unpack: {
    summary: 'unpack an image into a runtime bundle',
    load: async () => (await import('./commands/unpack.js')).unpackCommand,
  },
  inspect: {
    summary: 'show an image: digest, created, platform, layers, env, labels',
    load: async () => (await import('./commands/inspect.js')).inspectCommand,
  },
  'list-tags': {
    summary: 'list the tags of an image layout',
    load: async () => (await import('./commands/list-tags.js')).listTagsCommand,
  },
  copy: {
    summary: 'copy an image between transports (docker://, oci:, oci-archive:, docker-archive:)',
    load: async () => (await import('./commands/copy.js')).copyCommand,
  },
  login: {
    summary: 'log in to a registry (credentials in auth.json, as podman and skopeo keep them)',
    load: async () => (await import('./commands/login.js')).loginCommand,
  },
  logout: {
    summary: 'remove the credentials of a registry',
    load: async () => (await import('./commands/logout.js')).logoutCommand,
  },
  registry: {
    summary: 'run a distribution-spec registry (serve) and collect its garbage (gc)',
    load: async () => (await import('./commands/registry.js')).registryCommand,
  },
  validate: {
    summary: 'validate an image layout or a runtime bundle',
    load: async () => (await import('./commands/validate.js')).validateCommand,
  },
};

function topHelp(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length)) + 2;
  const rows = Object.entries(commands).map(([n, c]) => `  ${n.padEnd(width)}${c.summary}`);
  return [
    'Usage: hull COMMAND [OPTIONS] [ARGS...]',
    '',
    'hull: the Open Container Initiative stack (images, runtime, registry).',
    'Image references use the transports skopeo knows: oci:DIR[:TAG], oci-archive:FILE[:TAG].',
    '',
    'Commands:',
    ...rows,
    '',
    "Run 'hull COMMAND --help' for a command's options.",
    '',
  ].join('\n');
}

export async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  let debug = argv.includes('--debug');
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      process.stdout.write(topHelp());
      process.exitCode = name === undefined ? 2 : 0;
      return;
    }
    if (name === '--version' || name === 'version') {
      const { version } = await import('./version.js');
      process.stdout.write(`hull version ${version()}\n`);
      return;
    }
    const entry = commands[name];
    if (!entry) throw new UsageError(`unknown command '${name}'`);
    const spec = await entry.load();
    const args = parseCommand(spec, rest);
    debug = args.values.debug === true;
    if (args.values.help) {
      process.stdout.write(helpText(spec));
      return;
    }
    process.exitCode = await spec.run(args);
  } catch (err) {
    printError(err, { debug, command: name });
    process.exitCode = err instanceof UsageError ? 2 : 1;
  }
}
