import { flag } from '../args.js';
import type { CommandSpec } from '../command.js';
import { EXIT_ENGINE, engineRun, errorCode, rootOf, rootOption } from '../engine-command.js';
import { printError } from '../output.js';

/** podman rmi's exit statuses: 1 no such image, 2 image in use by a container, 125 anything else. */
function exitFor(err: unknown): number {
  const code = errorCode(err);
  if (code === 'IMAGE_UNKNOWN') return 1;
  if (code === 'IMAGE_IN_USE' || code === 'IMAGE_CONFLICT') return 2;
  return EXIT_ENGINE;
}

export const rmiCommand: CommandSpec = {
  name: 'rmi',
  summary:
    'Remove images (docker rmi): a name is untagged, and the image deleted with its unshared blobs and snapshots once no name is left.',
  usage: 'rmi [OPTIONS] IMAGE [IMAGE...]',
  positionals: [1, Number.POSITIVE_INFINITY],
  options: {
    root: rootOption,
    force: {
      type: 'boolean',
      short: 'f',
      description: 'remove an image with several names by id; untag an image a container uses',
    },
  },
  details: 'Exit status: 0 done, 1 no such image, 2 image in use or has several names, 125 other errors.',
  async run(args) {
    return engineRun(
      'rmi',
      args,
      async () => {
        const { openImageStore } = await import('../../engine/images/store.js');
        const { familiarName } = await import('../../engine/images/names.js');
        const store = await openImageStore(rootOf(args));
        let status = 0;
        // docker carries on past a failing image and reports each; the worst status wins.
        for (const name of args.positionals) {
          try {
            const r = await store.remove(name, { force: flag(args, 'force') });
            for (const u of r.untagged) process.stdout.write(`Untagged: ${familiarName(u)}\n`);
            for (const d of r.deleted) process.stdout.write(`Deleted: ${d}\n`);
          } catch (err) {
            printError(err, { debug: args.values.debug === true, command: 'rmi' });
            const s = exitFor(err);
            status = status === 0 ? s : Math.max(status, s);
          }
        }
        return status;
      },
      exitFor,
    );
  },
};
