import { withLayoutReference } from '../../transport/open.js';
import { outputFormat } from '../args.js';
import { type CommandSpec, formatOption, UsageError } from '../command.js';
import { humanSize, printJSON, printTable } from '../output.js';

export const listTagsCommand: CommandSpec = {
  name: 'list-tags',
  summary: 'List the tags of an image layout with the digest, media type and size each names.',
  usage: 'list-tags [OPTIONS] oci:DIR|oci-archive:FILE',
  positionals: [1, 1],
  options: { format: formatOption },
  details: "--format json prints {Repository, Tags, Manifests} (skopeo list-tags' Repository and Tags, plus digests).",
  async run(args) {
    const [source] = args.positionals as [string];
    const format = outputFormat(args, ['table', 'json'], 'table');
    const tags = await withLayoutReference(source, 'read', async (layout, tag) => {
      if (tag) throw new UsageError(`list-tags takes a layout without a tag, not '${source}'`);
      return layout.listTags();
    });
    const sorted = [...tags].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    if (format === 'json') {
      printJSON({
        Repository: source,
        Tags: sorted.map((t) => t.name),
        Manifests: sorted.map((t) => ({
          Tag: t.name,
          Digest: t.descriptor.digest,
          MediaType: t.descriptor.mediaType,
          Size: t.descriptor.size,
        })),
      });
    } else {
      printTable(
        ['TAG', 'DIGEST', 'MEDIA TYPE', 'SIZE'],
        sorted.map((t) => [t.name, t.descriptor.digest, t.descriptor.mediaType, humanSize(t.descriptor.size)]),
      );
    }
    return 0;
  },
};
