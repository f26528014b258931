import { HullError } from '../../errors.js';
import { withLayoutReference } from '../../transport/open.js';
import { parseReference } from '../../transport/reference.js';
import { outputFormat, stringOption } from '../args.js';
import { type CommandSpec, formatOption, UsageError } from '../command.js';
import { humanSize, printJSON, printTable } from '../output.js';

/** docker://NAME for list-tags: a tag or digest makes no sense (skopeo refuses them too). */
function checkNoTag(source: string): void {
  const name = source.slice('docker://'.length);
  const last = name.slice(name.lastIndexOf('/') + 1);
  if (name.includes('@') || last.includes(':'))
    throw new UsageError(`list-tags takes a repository without a tag or digest, not '${source}'`);
}

export const listTagsCommand: CommandSpec = {
  name: 'list-tags',
  summary: 'List the tags of an image layout (with digest, media type and size) or of a registry repository.',
  usage: 'list-tags [OPTIONS] oci:DIR|oci-archive:FILE|docker://NAME',
  positionals: [1, 1],
  options: {
    format: formatOption,
    'tls-verify': { type: 'string', description: 'docker://: verify TLS (false: also allow http)', valueName: 'BOOL' },
    creds: { type: 'string', description: 'docker://: credentials USER:PASSWORD', valueName: 'CREDS' },
    authfile: { type: 'string', description: 'docker://: auth.json to read credentials from', valueName: 'FILE' },
  },
  details:
    "--format json prints {Repository, Tags, Manifests} (skopeo list-tags' Repository and Tags, plus digests).\n" +
    "For docker:// the output is skopeo's {Repository, Tags} JSON unless --format table is given.",
  async run(args) {
    const [source] = args.positionals as [string];
    const ref = parseReference(source);
    if (ref.transport === 'docker') {
      checkNoTag(source);
      const format = outputFormat(args, ['table', 'json'], 'json');
      const { connectRegistry } = await import('../../transport/docker/connect.js');
      const { remoteOptions } = await import('../../transport/remote-flags.js');
      const remote = remoteOptions(
        stringOption(args, 'tls-verify'),
        stringOption(args, 'creds'),
        stringOption(args, 'authfile'),
        { tls: '--tls-verify', creds: '--creds' },
      );
      const client = await connectRegistry(ref, source, remote, ['pull']);
      const tags = await client.listTags();
      const repository = `${ref.registry}/${ref.repository}`;
      if (format === 'json') printJSON({ Repository: repository, Tags: tags });
      else
        printTable(
          ['TAG'],
          tags.map((t) => [t]),
        );
      return 0;
    }
    if (ref.transport === 'docker-archive')
      throw new HullError('TRANSPORT_UNSUPPORTED', `'${source}': list-tags reads oci:, oci-archive: and docker://`);
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
