import { HullError } from '../../errors.js';
import type { CopyOptions, CopyProgress } from '../../transport/copy.js';
import { flag, stringOption } from '../args.js';
import { type CommandSpec, UsageError } from '../command.js';
import { humanSize } from '../output.js';
import { blobBarSet, progressWanted } from '../progress.js';

/** One cli-progress bar per blob on stderr (terminals only); nothing otherwise. */
async function blobBars(quiet: boolean): Promise<{ progress?: CopyProgress; stop(): void }> {
  if (!progressWanted(quiet)) return { stop() {} };
  const bars = await blobBarSet();
  return {
    progress: {
      blob(desc) {
        const bar = bars.bar(desc.digest, desc.size);
        let n = 0;
        return {
          advance(bytes) {
            n += bytes;
            bar.advance(bytes);
          },
          done: (how) => bar.finish(how === 'sent' ? humanSize(n) : how),
        };
      },
    },
    stop: () => bars.stop(),
  };
}

export const copyCommand: CommandSpec = {
  name: 'copy',
  summary: 'Copy an image between transports (docker://, oci:, oci-archive:, docker-archive:), as skopeo copy does.',
  usage: 'copy [OPTIONS] SOURCE DESTINATION',
  positionals: [2, 2],
  options: {
    all: { type: 'boolean', short: 'a', description: 'copy every image of an index (else only the chosen platform)' },
    'override-os': { type: 'string', description: 'pick the image for this OS (default: the host)', valueName: 'OS' },
    'override-arch': { type: 'string', description: 'pick the image for this architecture', valueName: 'ARCH' },
    'override-variant': { type: 'string', description: 'pick the image for this variant', valueName: 'VARIANT' },
    'dest-compress-format': {
      type: 'string',
      description: 'recompress layers: gzip or zstd (new layer digests)',
      valueName: 'FMT',
    },
    'src-tls-verify': { type: 'string', description: 'verify the source TLS (false: also http)', valueName: 'BOOL' },
    'dest-tls-verify': {
      type: 'string',
      description: 'verify the destination TLS (false: also http)',
      valueName: 'BOOL',
    },
    'src-creds': { type: 'string', description: 'source credentials USER:PASSWORD', valueName: 'CREDS' },
    'dest-creds': { type: 'string', description: 'destination credentials USER:PASSWORD', valueName: 'CREDS' },
    authfile: { type: 'string', description: 'auth.json for both ends', valueName: 'FILE' },
    'src-authfile': { type: 'string', description: 'auth.json for the source', valueName: 'FILE' },
    'dest-authfile': { type: 'string', description: 'auth.json for the destination', valueName: 'FILE' },
    concurrency: { type: 'string', description: 'blobs transferred at once (default 4)', valueName: 'N' },
    digestfile: { type: 'string', description: 'write the digest of the copied manifest to FILE', valueName: 'FILE' },
  },
  details: `References: oci:DIR[:TAG], oci-archive:FILE[:TAG], docker://NAME[:TAG|@DIGEST], docker-archive:FILE[:NAME:TAG|:@N].
Credentials come from --src-creds/--dest-creds, else auth.json (see 'hull login'), else anonymous.
--src-tls-verify=false skips certificate checks and falls back to plain http, as skopeo does.`,
  async run(args) {
    const [source, destination] = args.positionals as [string, string];
    const { copyImage } = await import('../../transport/copy.js');
    const { remoteOptions } = await import('../../transport/remote-flags.js');
    const { hostPlatform } = await import('../../image/platform.js');
    const compress = stringOption(args, 'dest-compress-format');
    if (compress !== undefined && compress !== 'gzip' && compress !== 'zstd')
      throw new UsageError(`--dest-compress-format must be gzip or zstd, not '${compress}'`);
    const authfile = stringOption(args, 'authfile');
    const opts: CopyOptions = {
      all: flag(args, 'all'),
      src: remoteOptions(
        stringOption(args, 'src-tls-verify'),
        stringOption(args, 'src-creds'),
        stringOption(args, 'src-authfile') ?? authfile,
        { tls: '--src-tls-verify', creds: '--src-creds' },
      ),
      dst: remoteOptions(
        stringOption(args, 'dest-tls-verify'),
        stringOption(args, 'dest-creds'),
        stringOption(args, 'dest-authfile') ?? authfile,
        { tls: '--dest-tls-verify', creds: '--dest-creds' },
      ),
    };
    if (compress) opts.destCompress = compress;
    const os = stringOption(args, 'override-os');
    const arch = stringOption(args, 'override-arch');
    const variant = stringOption(args, 'override-variant');
    if (os || arch || variant) {
      const host = hostPlatform();
      opts.platform = { os: os ?? host.os, architecture: arch ?? host.architecture };
      if (variant) opts.platform.variant = variant;
      else if (!arch && host.variant) opts.platform.variant = host.variant;
    }
    const conc = stringOption(args, 'concurrency');
    if (conc !== undefined) {
      if (!/^[1-9]\d*$/.test(conc)) throw new UsageError(`--concurrency must be a positive integer, not '${conc}'`);
      opts.concurrency = Number(conc);
    }
    const bars = await blobBars(flag(args, 'quiet'));
    if (bars.progress) opts.progress = bars.progress;
    let result: Awaited<ReturnType<typeof copyImage>>;
    try {
      result = await copyImage(source, destination, opts);
    } finally {
      bars.stop();
    }
    const digestfile = stringOption(args, 'digestfile');
    if (digestfile) {
      const { writeFile } = await import('node:fs/promises');
      await writeFile(digestfile, result.digest).catch((err: Error) => {
        throw new HullError('DIGESTFILE', `cannot write ${digestfile}: ${err.message}`);
      });
    }
    return 0;
  },
};
