/**
 * `hull network create|ls|rm`: named bridge networks (src/engine/network), with docker's flags,
 * output and exit codes: create prints the new network's id, ls prints docker's columns (-q the
 * ids), rm prints each name it removed and goes on past the ones it cannot remove.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_ROOT } from '../../engine/paths.js';
import { flag, outputFormat, stringOption } from '../args.js';
import { type CommandSpec, formatOption, type ParsedCommand, UsageError } from '../command.js';
import { printError, printJSON, printTable } from '../output.js';

const CREATE_ONLY = ['subnet', 'gateway', 'internal'];

export const networkCommand: CommandSpec = {
  name: 'network',
  summary: 'Manage CNI bridge networks: create, list (ls) and remove (rm) them.',
  usage: 'network create [--subnet CIDR] [--gateway IP] [--internal] NAME | network ls [-q] | network rm NAME...',
  positionals: [1, Number.POSITIVE_INFINITY],
  options: {
    root: { type: 'string', description: `the engine's state directory (default ${DEFAULT_ROOT})`, valueName: 'DIR' },
    subnet: {
      type: 'string',
      description: 'create: the subnet, e.g. 10.89.5.0/24 (default: next free 10.89.N.0/24)',
      valueName: 'CIDR',
    },
    gateway: {
      type: 'string',
      description: "create: the gateway address (default: the subnet's first)",
      valueName: 'IP',
    },
    internal: {
      type: 'boolean',
      description: 'create: no gateway, masquerade or published ports; containers reach only each other',
    },
    format: formatOption,
  },
  details: `ls -q prints only network ids. rm takes names or id prefixes; the default network 'hull'
(bridge hull0, 10.89.0.0/24) is made on first use and cannot be removed.`,
  async run(args) {
    const [sub, ...names] = args.positionals as [string, ...string[]];
    const root = stringOption(args, 'root') ?? process.env.HULL_ROOT ?? DEFAULT_ROOT;
    if (sub !== 'create')
      for (const n of CREATE_ONLY)
        if (args.values[n] !== undefined) throw new UsageError(`--${n} applies to 'network create' only`);
    if (sub === 'create') return create(args, root, names);
    if (sub === 'ls' || sub === 'list') return list(args, root, names);
    if (sub === 'rm' || sub === 'remove') return remove(root, names);
    throw new UsageError(`unknown subcommand '${sub}': expected create, ls or rm`);
  },
};

async function create(args: ParsedCommand, root: string, names: string[]): Promise<number> {
  if (names.length !== 1) throw new UsageError('network create takes exactly one NAME');
  const { createNetwork } = await import('../../engine/network/store.js');
  const subnet = stringOption(args, 'subnet');
  const gateway = stringOption(args, 'gateway');
  const info = createNetwork(root, names[0] as string, {
    ...(subnet !== undefined ? { subnet } : {}),
    ...(gateway !== undefined ? { gateway } : {}),
    internal: flag(args, 'internal'),
  });
  process.stdout.write(`${info.id}\n`);
  return 0;
}

async function list(args: ParsedCommand, root: string, names: string[]): Promise<number> {
  if (names.length) throw new UsageError(`unexpected argument '${names[0]}'; usage: hull network ls [-q]`);
  const format = outputFormat(args, ['table', 'json'], 'table');
  const { ensureDefaultNetwork, listNetworks } = await import('../../engine/network/store.js');
  ensureDefaultNetwork(root);
  const networks = listNetworks(root);
  if (flag(args, 'quiet')) {
    for (const n of networks) process.stdout.write(`${n.id.slice(0, 12)}\n`);
  } else if (format === 'json') {
    printJSON(
      networks.map((n) => ({
        Name: n.name,
        Id: n.id,
        Driver: n.driver,
        NetworkInterface: n.bridge,
        Subnets: [{ Subnet: n.subnet, ...(n.gateway ? { Gateway: n.gateway } : {}) }],
        Internal: n.internal,
        ConfigFile: n.file,
      })),
    );
  } else {
    printTable(
      ['NETWORK ID', 'NAME', 'DRIVER', 'SCOPE'],
      networks.map((n) => [n.id.slice(0, 12), n.name, n.driver, 'local']),
    );
  }
  return 0;
}

async function remove(root: string, names: string[]): Promise<number> {
  if (!names.length) throw new UsageError('network rm takes at least one NAME');
  const { removeNetwork, resolveNetwork } = await import('../../engine/network/store.js');
  const using = await containersUsing(root);
  let status = 0;
  for (const name of names) {
    try {
      removeNetwork(root, resolveNetwork(root, name).name, using);
      process.stdout.write(`${name}\n`);
    } catch (err) {
      printError(err, { debug: false, command: 'network rm' });
      status = 1;
    }
  }
  return status;
}

/**
 * Whether one of the engine's containers, running or not, is on a network (its config in the
 * database), as podman refuses to remove such a network.
 */
async function containersUsing(root: string): Promise<(name: string) => boolean> {
  if (!existsSync(join(root, 'hull.db'))) return () => false;
  const [{ openEngine }, { allContainers }, { networksOf }] = await Promise.all([
    import('../../engine/engine.js'),
    import('../../engine/db/containers.js'),
    import('../../engine/containers/network.js'),
  ]);
  const all = allContainers(openEngine(root).db);
  return (name) => all.some((c) => networksOf(c.config).includes(name));
}
