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
  network: {
    summary: 'manage CNI bridge networks (create, ls, rm)',
    load: async () => (await import('./commands/network.js')).networkCommand,
  },
  registry: {
    summary: 'run a distribution-spec registry (serve) and collect its garbage (gc)',
    load: async () => (await import('./commands/registry.js')).registryCommand,
  },
  pull: {
    summary: 'pull an image from a registry into the image store (--root)',
    load: async () => (await import('./commands/pull.js')).pullCommand,
  },
  images: {
    summary: 'list the images in the image store',
    load: async () => (await import('./commands/images.js')).imagesCommand,
  },
  rmi: {
    summary: 'remove images from the image store',
    load: async () => (await import('./commands/rmi.js')).rmiCommand,
  },
  tag: {
    summary: 'give an image in the image store another name',
    load: async () => (await import('./commands/tag.js')).tagCommand,
  },
  validate: {
    summary: 'validate an image layout or a runtime bundle',
    load: async () => (await import('./commands/validate.js')).validateCommand,
  },
  run: {
    summary: 'create and run a container (pulling the image if missing), like docker run',
    load: async () => (await import('./commands/run.js')).runCommand,
  },
  create: {
    summary: 'create a container without starting it',
    load: async () => (await import('./commands/run.js')).createCommand,
  },
  start: {
    summary: 'start created or stopped containers',
    load: async () => (await import('./commands/container-verbs.js')).startCommand,
  },
  stop: {
    summary: 'stop running containers (stop signal, then SIGKILL after -t seconds)',
    load: async () => (await import('./commands/container-verbs.js')).stopCommand,
  },
  kill: {
    summary: 'send a signal to running containers',
    load: async () => (await import('./commands/container-verbs.js')).killCommand,
  },
  rm: {
    summary: 'remove containers',
    load: async () => (await import('./commands/container-verbs.js')).rmCommand,
  },
  wait: {
    summary: 'wait for containers to exit and print their exit codes',
    load: async () => (await import('./commands/container-verbs.js')).waitCommand,
  },
  ps: {
    summary: 'list containers',
    load: async () => (await import('./commands/ps.js')).psCommand,
  },
  logs: {
    summary: "print a container's logs",
    load: async () => (await import('./commands/logs.js')).logsCommand,
  },
  exec: {
    summary: 'run a command in a running container',
    load: async () => (await import('./commands/exec.js')).execCommand,
  },
  volume: {
    summary: 'manage named volumes',
    load: async () => (await import('./commands/volume.js')).volumeCommand,
  },
  system: {
    summary: 'disk usage (df) and removal of stopped containers and unused data (prune)',
    load: async () => (await import('./commands/system.js')).systemCommand,
  },
  container: {
    summary: "container housekeeping (the monitor's exit command)",
    load: async () => (await import('./commands/container.js')).containerCommand,
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
  let failureCode = 1;
  let exitWhenDone = false;
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
    failureCode = spec.errorExitCode ?? 1;
    const args = parseCommand(spec, rest);
    debug = args.values.debug === true;
    if (args.values.help) {
      process.stdout.write(helpText(spec));
      return;
    }
    exitWhenDone = spec.exitWhenDone === true;
    process.exitCode = await spec.run(args);
  } catch (err) {
    printError(err, { debug, command: name });
    process.exitCode = err instanceof UsageError ? (failureCode === 125 ? 125 : 2) : failureCode;
  }
  // stdout and stderr are written synchronously on Linux (files, pipes and terminals), so
  // nothing printed is lost; 'exit' listeners (the code cache's) still run. The engine's
  // database is left open on purpose (src/engine/db/db.ts).
  if (exitWhenDone) process.exit();
}
