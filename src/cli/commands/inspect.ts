import { parseReference } from '../../transport/reference.js';
import { flag, outputFormat, stringOption } from '../args.js';
import { type CommandSpec, formatOption } from '../command.js';
import { printJSON } from '../output.js';

/** The transports' prefixes; anything else names an engine object (docker inspect). */
const TRANSPORT = /^(oci|oci-archive|docker|docker-archive):/;

/** docker inspect NAME: a container first, then an image; one JSON array. */
async function inspectEngineObject(name: string, root: string | undefined): Promise<number> {
  const { openEngine } = await import('../../engine/engine.js');
  const { findContainer } = await import('../../engine/db/containers.js');
  const { inspectContainer } = await import('../../engine/containers/list.js');
  const { refresh } = await import('../../engine/containers/status.js');
  const engine = openEngine(root);
  let doc: Record<string, unknown> | undefined;
  try {
    doc = inspectContainer(engine, refresh(engine, findContainer(engine.db, name)));
  } catch (err) {
    if ((err as { code?: string }).code !== 'NO_SUCH_CONTAINER') throw err;
  }
  if (!doc) {
    const { openImageStore } = await import('../../engine/images/store.js');
    const { inspectImageDoc } = await import('../../engine/images/inspect.js');
    const img = await (await openImageStore(engine.paths.root)).find(name);
    if (img) doc = inspectImageDoc(img);
  }
  if (!doc) {
    process.stdout.write('[]\n');
    process.stderr.write(`Error: No such object: ${name}\n`);
    return 1;
  }
  printJSON([doc]);
  return 0;
}

export const inspectCommand: CommandSpec = {
  name: 'inspect',
  summary:
    "Show an image (skopeo inspect's document for oci:, docker://...) or the engine's container or image (docker inspect's).",
  usage:
    'inspect [OPTIONS] oci:DIR[:TAG]|oci-archive:FILE[:TAG]|docker://NAME[:TAG|@DIGEST]|docker-archive:FILE|CONTAINER|IMAGE',
  positionals: [1, 1],
  details:
    "A name without a transport is docker inspect's: the engine's container of that name or id, else its image, printed as a JSON array; none: 'No such object', exit 1.",
  options: {
    root: { type: 'string', description: 'engine root for CONTAINER|IMAGE (default /var/lib/hull)', valueName: 'DIR' },
    raw: { type: 'boolean', description: 'print the manifest (or index) bytes as stored' },
    config: { type: 'boolean', description: 'print the image config (with --raw: its bytes as stored)' },
    platform: {
      type: 'string',
      description: 'OS/ARCH[/VARIANT] to pick from an index (default: the host)',
      valueName: 'P',
    },
    'tls-verify': { type: 'string', description: 'docker://: verify TLS (false: also allow http)', valueName: 'BOOL' },
    creds: { type: 'string', description: 'docker://: credentials USER:PASSWORD', valueName: 'CREDS' },
    authfile: { type: 'string', description: 'docker://: auth.json to read credentials from', valueName: 'FILE' },
    'no-tags': { type: 'boolean', description: 'docker://: do not list the repository tags (RepoTags)' },
    format: formatOption,
  },
  async run(args) {
    const [source] = args.positionals as [string];
    outputFormat(args, ['json'], 'json');
    if (!TRANSPORT.test(source)) return inspectEngineObject(source, stringOption(args, 'root'));
    const { parsePlatform } = await import('../../image/platform.js');
    const platformText = stringOption(args, 'platform');
    const platform = platformText ? parsePlatform(platformText) : undefined;
    const ref = parseReference(source);
    let result: { output: unknown; manifestBytes: Buffer; configBytes: Buffer; topBytes?: Buffer };
    if (ref.transport === 'oci' || ref.transport === 'oci-archive') {
      const { inspectImage } = await import('../../image/inspect.js');
      const { withLayoutReference } = await import('../../transport/open.js');
      result = await withLayoutReference(source, 'read', (layout, tag) => inspectImage(layout, { tag, platform }));
    } else {
      const { openSource } = await import('../../transport/image-source.js');
      const { inspectSource } = await import('../../transport/inspect-source.js');
      const { remoteOptions } = await import('../../transport/remote-flags.js');
      const remote = remoteOptions(
        stringOption(args, 'tls-verify'),
        stringOption(args, 'creds'),
        stringOption(args, 'authfile'),
        { tls: '--tls-verify', creds: '--creds' },
      );
      const src = await openSource(ref, source, remote);
      try {
        let name: string | undefined;
        let repoTags: string[] | undefined;
        if (ref.transport === 'docker') {
          name = `${ref.registry}/${ref.repository}`;
          const wantTags = !flag(args, 'no-tags') && !flag(args, 'raw') && !flag(args, 'config');
          if (wantTags)
            repoTags = await (src as unknown as { client: { listTags(): Promise<string[]> } }).client.listTags();
        }
        if (flag(args, 'raw') && !flag(args, 'config')) {
          process.stdout.write((await src.getManifest()).bytes);
          return 0;
        }
        result = await inspectSource(src, { platform, name, repoTags });
      } finally {
        await src.close();
      }
    }
    if (flag(args, 'config')) {
      if (flag(args, 'raw')) process.stdout.write(result.configBytes);
      else printJSON(JSON.parse(result.configBytes.toString('utf8')));
    } else if (flag(args, 'raw')) {
      process.stdout.write(result.topBytes ?? result.manifestBytes);
    } else {
      printJSON(result.output);
    }
    return 0;
  },
};
