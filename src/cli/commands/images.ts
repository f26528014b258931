import type { LocalImage } from '../../engine/images/store.js';
import { flag, outputFormat } from '../args.js';
import { type CommandSpec, formatOption } from '../command.js';
import { engineRun, rootOf, rootOption } from '../engine-command.js';
import { printTable } from '../output.js';

/** docker's units.HumanDuration, as `docker images` prints CREATED ("2 weeks ago"). */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.floor(ms / 3_600_000 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(ms / 3_600_000 / 24 / 365)} years`;
}

/** docker's units.HumanSizeWithPrecision(size, 3): decimal units, 3 significant digits, no space ("4.26MB"). */
export function dockerSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${Number(v.toPrecision(3))}${units[i]}`;
}

interface Row {
  repository: string;
  tag: string;
  digest: string;
  id: string;
  created: string;
  createdAt: string;
  size: string;
}

function rows(images: LocalImage[], noTrunc: boolean, familiar: (n: string) => string, split: SplitFn): Row[] {
  const out: Row[] = [];
  const now = Date.now();
  for (const img of images) {
    const id = noTrunc ? img.id : img.id.slice(img.id.indexOf(':') + 1, img.id.indexOf(':') + 13);
    const t = img.created ? Date.parse(img.created) : Number.NaN;
    const created = Number.isNaN(t) ? 'N/A' : `${humanDuration(Math.max(0, now - t))} ago`;
    const createdAt = Number.isNaN(t)
      ? 'N/A'
      : new Date(t)
          .toISOString()
          .replace('T', ' ')
          .replace(/\.\d+Z$/, ' +0000 UTC');
    const base = { id, created, createdAt, size: dockerSize(img.size) };
    if (img.names.length === 0) {
      out.push({ repository: '<none>', tag: '<none>', digest: '<none>', ...base });
      continue;
    }
    for (const name of img.names) {
      const { repository, tag, digest } = split(name);
      const repoDigest = img.repoDigests.find((d) => d.startsWith(`${repository}@`));
      out.push({
        repository: familiar(repository),
        tag,
        digest: digest ?? (repoDigest ? repoDigest.slice(repoDigest.indexOf('@') + 1) : '<none>'),
        ...base,
      });
    }
  }
  return out;
}

type SplitFn = (name: string) => { repository: string; tag: string; digest?: string };

export const imagesCommand: CommandSpec = {
  name: 'images',
  summary: 'List the images in the image store (docker images).',
  usage: 'images [OPTIONS] [REPOSITORY[:TAG]]',
  positionals: [0, 1],
  options: {
    root: rootOption,
    all: { type: 'boolean', short: 'a', description: 'show all images (hull keeps no intermediate images)' },
    digests: { type: 'boolean', description: 'show digests' },
    'no-trunc': { type: 'boolean', description: "don't truncate image ids" },
    format: formatOption,
  },
  async run(args) {
    return engineRun('images', args, async () => {
      const { openImageStore } = await import('../../engine/images/store.js');
      const { familiarName, splitName, parseImageName, candidates } = await import('../../engine/images/names.js');
      const format = outputFormat(args, ['table', 'json'] as const, 'table');
      const store = await openImageStore(rootOf(args));
      let images = await store.list();
      const filter = args.positionals[0];
      if (filter !== undefined) {
        // docker images REPOSITORY[:TAG]: the repository must match; a tag, when given, too.
        const repos = candidates(filter, store.registries.search).map((c) => `${c.registry}/${c.repository}`);
        const hasTag = /:[^/]*$/.test(filter);
        const tag = parseImageName(filter).tag;
        const want = (n: string): boolean => {
          const s = splitName(n);
          return repos.includes(s.repository) && (!hasTag || s.tag === tag);
        };
        images = images.map((img) => ({ ...img, names: img.names.filter(want) })).filter((img) => img.names.length > 0);
      }
      const noTrunc = flag(args, 'no-trunc');
      if (flag(args, 'quiet')) {
        const seen = new Set<string>();
        for (const img of images) {
          const id = noTrunc ? img.id : img.id.slice(img.id.indexOf(':') + 1, img.id.indexOf(':') + 13);
          if (!seen.has(id)) process.stdout.write(`${id}\n`);
          seen.add(id);
        }
        return 0;
      }
      const table = rows(images, noTrunc, familiarName, splitName);
      if (format === 'json') {
        for (const r of table)
          process.stdout.write(
            `${JSON.stringify({
              Containers: 'N/A',
              CreatedAt: r.createdAt,
              CreatedSince: r.created,
              Digest: r.digest,
              ID: r.id,
              Repository: r.repository,
              SharedSize: 'N/A',
              Size: r.size,
              Tag: r.tag,
              UniqueSize: 'N/A',
              VirtualSize: r.size,
            })}\n`,
          );
        return 0;
      }
      const digests = flag(args, 'digests');
      const header = digests
        ? ['REPOSITORY', 'TAG', 'DIGEST', 'IMAGE ID', 'CREATED', 'SIZE']
        : ['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'];
      printTable(
        header,
        table.map((r) =>
          digests
            ? [r.repository, r.tag, r.digest, r.id, r.created, r.size]
            : [r.repository, r.tag, r.id, r.created, r.size],
        ),
      );
      return 0;
    });
  },
};
