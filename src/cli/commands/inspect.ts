import { withLayoutReference } from '../../transport/open.js';
import { flag, outputFormat, stringOption } from '../args.js';
import { type CommandSpec, formatOption } from '../command.js';
import { printJSON } from '../output.js';

export const inspectCommand: CommandSpec = {
  name: 'inspect',
  summary: 'Show an image: digest, created, platform, layers, env and labels, as skopeo inspect prints them.',
  usage: 'inspect [OPTIONS] oci:DIR[:TAG]|oci-archive:FILE[:TAG]',
  positionals: [1, 1],
  options: {
    raw: { type: 'boolean', description: 'print the manifest bytes as stored' },
    config: { type: 'boolean', description: 'print the image config (with --raw: its bytes as stored)' },
    platform: {
      type: 'string',
      description: 'OS/ARCH[/VARIANT] to pick from an index (default: the host)',
      valueName: 'P',
    },
    format: formatOption,
  },
  async run(args) {
    const [source] = args.positionals as [string];
    outputFormat(args, ['json'], 'json');
    const { inspectImage } = await import('../../image/inspect.js');
    const { parsePlatform } = await import('../../image/platform.js');
    const platformText = stringOption(args, 'platform');
    const result = await withLayoutReference(source, 'read', (layout, tag) =>
      inspectImage(layout, { tag, platform: platformText ? parsePlatform(platformText) : undefined }),
    );
    if (flag(args, 'config')) {
      if (flag(args, 'raw')) process.stdout.write(result.configBytes);
      else printJSON(JSON.parse(result.configBytes.toString('utf8')));
    } else if (flag(args, 'raw')) {
      process.stdout.write(result.manifestBytes);
    } else {
      printJSON(result.output);
    }
    return 0;
  },
};
