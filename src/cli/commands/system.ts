/** `hull system df` and `hull system prune`, as docker system. */
import { flag, stringOption } from '../args.js';
import { type CommandSpec, UsageError } from '../command.js';
import { rootOption } from '../engine-command.js';
import { humanSize, printTable } from '../output.js';

export const systemCommand: CommandSpec = {
  name: 'system',
  summary: 'df: disk used by images, containers and volumes; prune: remove stopped containers and unused data.',
  usage: 'system df | prune [-f] [--volumes]',
  positionals: [1, 1],
  errorExitCode: 125,
  options: {
    root: rootOption,
    force: { type: 'boolean', short: 'f', description: 'do not ask for confirmation (prune)' },
    all: { type: 'boolean', short: 'a', description: 'accepted for docker compatibility (prune)' },
    volumes: { type: 'boolean', description: 'prune unused volumes too' },
  },
  async run(args) {
    const sub = args.positionals[0];
    const { openEngine } = await import('../../engine/engine.js');
    const engine = openEngine(stringOption(args, 'root'));
    if (sub === 'df') {
      const { openImageStore } = await import('../../engine/images/index.js');
      const { listContainers } = await import('../../engine/containers/list.js');
      const { listVolumes, volumeUsers } = await import('../../engine/volumes/volumes.js');
      const { imageInUse } = await import('../../engine/db/containers.js');
      const { execFileSync } = await import('node:child_process');
      const store = await openImageStore(engine.paths.root);
      const du = await store.diskUsage();
      const active = du.images.filter((i) => imageInUse(engine.db, i.id));
      const containers = listContainers(engine, true);
      const duOf = (p: string) => {
        try {
          return Number(execFileSync('du', ['-sb', p], { encoding: 'utf8' }).split('\t')[0]) || 0;
        } catch {
          return 0;
        }
      };
      const ctrBytes = containers.map((c) => duOf(`${engine.paths.containers}/${c.id}/upper`));
      const vols = listVolumes(engine);
      const volBytes = vols.map((v) => duOf(v.mountpoint));
      const total = du.snapshotsBytes + du.blobsBytes;
      const activeBytes = active.reduce((n, i) => n + i.size, 0);
      const running = containers.filter((c) => c.state === 'running').length;
      const stoppedBytes = containers.reduce((n, c, i) => n + (c.state === 'running' ? 0 : (ctrBytes[i] ?? 0)), 0);
      const unusedVolBytes = vols.reduce(
        (n, v, i) => n + (volumeUsers(engine, v.name).length ? 0 : (volBytes[i] ?? 0)),
        0,
      );
      printTable(
        ['TYPE', 'TOTAL', 'ACTIVE', 'SIZE', 'RECLAIMABLE'],
        [
          [
            'Images',
            String(du.images.length),
            String(active.length),
            humanSize(total),
            humanSize(Math.max(0, total - activeBytes)),
          ],
          [
            'Containers',
            String(containers.length),
            String(running),
            humanSize(ctrBytes.reduce((a, b) => a + b, 0)),
            humanSize(stoppedBytes),
          ],
          [
            'Local Volumes',
            String(vols.length),
            String(vols.filter((v) => volumeUsers(engine, v.name).length).length),
            humanSize(volBytes.reduce((a, b) => a + b, 0)),
            humanSize(unusedVolBytes),
          ],
        ],
      );
      return 0;
    }
    if (sub === 'prune') {
      const { pruneSystem } = await import('../../engine/containers/prune.js');
      const r = await pruneSystem(engine, { volumes: flag(args, 'volumes'), allImages: flag(args, 'all') });
      if (r.containers.length)
        process.stdout.write(`Deleted Containers:\n${r.containers.map((c) => `${c}\n`).join('')}\n`);
      if (r.images.length)
        process.stdout.write(`Deleted Images:\n${r.images.map((c) => `deleted: ${c}\n`).join('')}\n`);
      if (r.volumes.length) process.stdout.write(`Deleted Volumes:\n${r.volumes.map((c) => `${c}\n`).join('')}\n`);
      process.stdout.write(`Total reclaimed space: ${humanSize(r.reclaimedBytes)}\n`);
      return 0;
    }
    throw new UsageError(`unknown subcommand 'system ${sub}': expected df or prune`);
  },
};
