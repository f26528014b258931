/**
 * `hull registry serve` (the distribution-spec server, src/registry/server) and
 * `hull registry gc` (garbage collection, src/registry/gc.ts). Flags override the config file.
 */
import { flag, stringOption } from '../args.js';
import { type CommandSpec, UsageError } from '../command.js';

/** Summarised from the comment at the top of src/registry/gc.ts, which argues it. */
const GC_GUARANTEE = `  gc may run while 'registry serve' runs on the same root (no lock, no read-only mode).
  Everything reachable from a manifest when gc re-marks survives, and so does every blob
  pushed or mounted within the grace period (1 hour) or after the re-mark began; a blob
  being swept can read as absent for a moment to a racing push, which then succeeds on
  retry. The one residual window (as in distribution): blobs pushed more than an hour
  before their manifest, swept just as the manifest arrives; that PUT fails with
  MANIFEST_BLOB_UNKNOWN and pushing again succeeds. Uploads idle for 7 days are removed.`;

const SERVE_ONLY = ['addr', 'config', 'htpasswd', 'tls-cert', 'tls-key', 'enable-delete'];
const GC_ONLY = ['dry-run', 'delete-untagged'];

export const registryCommand: CommandSpec = {
  name: 'registry',
  summary: 'Run a distribution-spec registry (serve) or collect its garbage (gc).',
  usage: 'registry serve [OPTIONS] | registry gc --root DIR [--dry-run] [--delete-untagged]',
  positionals: [1, 1],
  options: {
    addr: { type: 'string', description: 'serve: listen on HOST:PORT (default 127.0.0.1:5000)', valueName: 'ADDR' },
    root: { type: 'string', description: 'storage root (default /var/lib/hull/registry)', valueName: 'DIR' },
    config: { type: 'string', description: 'serve: YAML or JSON config file; flags override it', valueName: 'FILE' },
    htpasswd: {
      type: 'string',
      description: 'serve: require HTTP Basic auth against this htpasswd file',
      valueName: 'FILE',
    },
    'tls-cert': {
      type: 'string',
      description: 'serve: TLS certificate (PEM); with --tls-key, serve HTTPS',
      valueName: 'F',
    },
    'tls-key': { type: 'string', description: 'serve: TLS private key (PEM)', valueName: 'F' },
    'enable-delete': { type: 'boolean', description: 'serve: allow DELETE of manifests, tags and blobs' },
    'dry-run': { type: 'boolean', description: 'gc: report what would be deleted, delete nothing' },
    'delete-untagged': { type: 'boolean', description: 'gc: also delete manifests no tag (or index) reaches' },
  },
  details: `serve: logs one JSON line per request to stderr unless --quiet; SIGINT/SIGTERM stop
accepting connections, let in-flight requests finish, then exit 0.

gc: deletes blobs no manifest references (and, with --delete-untagged, manifests no tag
reaches), plus abandoned uploads. While a server runs on the same root:
${GC_GUARANTEE}`,
  async run(args) {
    const [sub] = args.positionals;
    if (sub === 'serve') {
      rejectFlags(args.values, GC_ONLY, 'serve');
      return serve(args);
    }
    if (sub === 'gc') {
      rejectFlags(args.values, SERVE_ONLY, 'gc');
      return gc(args);
    }
    throw new UsageError(`unknown subcommand '${sub}': expected serve or gc`);
  },
};

function rejectFlags(values: Record<string, unknown>, names: string[], sub: string): void {
  for (const n of names)
    if (values[n] !== undefined) throw new UsageError(`--${n} does not apply to 'registry ${sub}'`);
}

async function serve(args: Parameters<CommandSpec['run']>[0]): Promise<number> {
  const { loadConfig } = await import('../../registry/config.js');
  const { startRegistry } = await import('../../registry/server/server.js');
  const { authorizerFromConfig } = await import('../../registry/server/auth-from-config.js');
  const { createWebHandler } = await import('../../registry/web/index.js');
  const config = loadConfig(stringOption(args, 'config'), {
    addr: stringOption(args, 'addr'),
    root: stringOption(args, 'root'),
    htpasswd: stringOption(args, 'htpasswd'),
    tlsCert: stringOption(args, 'tls-cert'),
    tlsKey: stringOption(args, 'tls-key'),
    enableDelete: flag(args, 'enable-delete'),
    quiet: flag(args, 'quiet'),
  });
  const authorizer = authorizerFromConfig(config);
  const registry = await startRegistry(config, {
    ...(authorizer ? { authorizer } : {}),
    web: createWebHandler(authorizer ? { authorizer } : {}),
  });
  // Printed even with --quiet (which silences request logs): with --addr HOST:0 it is the only
  // way to learn the port, and scripts wait for it to know the server is up.
  process.stderr.write(
    `${JSON.stringify({ time: new Date().toISOString(), msg: 'listening', url: registry.url, root: config.root })}\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      if (!config.log.quiet)
        process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), msg: 'shutting down', signal })}\n`);
      registry.close().then(resolve, resolve);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  return 0;
}

async function gc(args: Parameters<CommandSpec['run']>[0]): Promise<number> {
  const root = stringOption(args, 'root');
  if (!root) throw new UsageError("'registry gc' needs --root DIR");
  const { garbageCollect } = await import('../../registry/gc.js');
  const { FilesystemDriver } = await import('../../registry/storage/fs-driver.js');
  const quiet = flag(args, 'quiet');
  const dryRun = flag(args, 'dry-run');
  const result = await garbageCollect(new FilesystemDriver(root), {
    dryRun,
    deleteUntagged: flag(args, 'delete-untagged'),
    ...(quiet ? {} : { log: (m: string) => process.stderr.write(`${m}\n`) }),
  });
  const verb = dryRun ? 'would remove' : 'removed';
  process.stdout.write(
    `${verb} ${result.blobsRemoved} blobs (${result.bytesFreed} bytes), ${result.manifestsRemoved} manifests, ${result.uploadsRemoved} uploads\n`,
  );
  return 0;
}
