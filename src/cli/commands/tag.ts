import type { CommandSpec } from '../command.js';
import { engineRun, rootOf, rootOption } from '../engine-command.js';

export const tagCommand: CommandSpec = {
  name: 'tag',
  summary:
    'Give an image another name (docker tag): TARGET is normalised as docker does (myimage = docker.io/library/myimage:latest).',
  usage: 'tag [OPTIONS] SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]',
  positionals: [2, 2],
  options: { root: rootOption },
  async run(args) {
    return engineRun('tag', args, async () => {
      const { openImageStore } = await import('../../engine/images/store.js');
      const store = await openImageStore(rootOf(args));
      const [source, target] = args.positionals as [string, string];
      await store.tag(source, target);
      return 0;
    });
  },
};
