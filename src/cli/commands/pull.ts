import type { PullOptions, PullProgress } from '../../engine/images/pull.js';
import { flag, stringOption } from '../args.js';
import type { CommandSpec } from '../command.js';
import { engineRun, rootOf, rootOption } from '../engine-command.js';
import { humanSize } from '../output.js';
import { blobBarSet, progressWanted } from '../progress.js';

/** One bar per layer on a terminal (cli-progress, loaded only then). */
async function barProgress(): Promise<{ progress: PullProgress; stop(): void }> {
  const bars = await blobBarSet();
  return {
    progress: {
      trying: (name) => bars.log(`Trying to pull ${name}...\n`),
      layer(desc) {
        const bar = bars.bar(desc.digest, desc.size);
        return {
          advance: (bytes) => bar.advance(bytes),
          done: (how) => bar.finish(how === 'skipped' ? 'already exists' : humanSize(desc.size)),
        };
      },
    },
    stop: () => bars.stop(),
  };
}

export const pullCommand: CommandSpec = {
  name: 'pull',
  summary:
    'Pull an image from a registry into the image store: layers streamed in parallel, verified, and unpacked as overlay snapshots. Prints the image id.',
  usage: 'pull [OPTIONS] NAME[:TAG|@DIGEST]',
  positionals: [1, 1],
  options: {
    root: rootOption,
    platform: { type: 'string', description: 'OS/ARCH[/VARIANT] to pull (default: the host)', valueName: 'P' },
    'tls-verify': {
      type: 'string',
      description: 'verify TLS (default true, except for loopback registries; false: also plain http)',
      valueName: 'BOOL',
    },
    creds: { type: 'string', description: 'registry credentials USER:PASSWORD', valueName: 'CREDS' },
    authfile: { type: 'string', description: 'auth.json to read credentials from', valueName: 'FILE' },
  },
  details: `Short names resolve as docker's do (busybox = docker.io/library/busybox:latest); a name without a
registry is tried on each registry of ROOT/registries.json {"search": [...]} or $HULL_REGISTRIES
(comma separated), default docker.io. Registries on 127.0.0.0/8 and localhost use plain http.`,
  async run(args) {
    return engineRun('pull', args, async () => {
      const { openImageStore } = await import('../../engine/images/store.js');
      const { pullImage } = await import('../../engine/images/pull.js');
      const { remoteOptions } = await import('../../transport/remote-flags.js');
      const { parsePlatform } = await import('../../image/platform.js');
      const quiet = flag(args, 'quiet');
      const remote = remoteOptions(
        stringOption(args, 'tls-verify'),
        stringOption(args, 'creds'),
        stringOption(args, 'authfile'),
        { tls: '--tls-verify', creds: '--creds' },
      );
      const opts: PullOptions = { ...remote };
      const platform = stringOption(args, 'platform');
      if (platform) opts.platform = parsePlatform(platform);
      let stop = () => {};
      if (progressWanted(quiet)) {
        const bars = await barProgress();
        opts.progress = bars.progress;
        stop = bars.stop;
      } else if (!quiet) opts.progress = (await import('../../engine/images/progress-lines.js')).lineProgress();
      const store = await openImageStore(rootOf(args));
      let result: Awaited<ReturnType<typeof pullImage>>;
      try {
        result = await pullImage(store, args.positionals[0]!, opts);
      } finally {
        stop();
      }
      process.stdout.write(`${result.image.id.slice(result.image.id.indexOf(':') + 1)}\n`);
      return 0;
    });
  },
};
