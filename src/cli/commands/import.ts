import { statSync } from 'node:fs';
import { HullError } from '../../errors.js';
import type { Compression } from '../../oci/media-types.js';
import type { ImageExecConfig } from '../../oci/types.js';
import { withLayoutReference } from '../../transport/open.js';
import { flag, listOption, stringOption } from '../args.js';
import { type CommandSpec, UsageError } from '../command.js';
import { keyValues, parseCommandLine } from '../parse-values.js';
import { withSpinner } from '../progress.js';

export const importCommand: CommandSpec = {
  name: 'import',
  summary:
    'Make a single-layer image from the contents of ROOTFS_DIR and tag it in an image layout (like podman import).',
  usage: 'import [OPTIONS] ROOTFS_DIR oci:DIR:TAG|oci-archive:FILE:TAG',
  positionals: [2, 2],
  options: {
    cmd: {
      type: 'string',
      multiple: true,
      description: 'default command: a JSON array, a shell string, or one argument per flag',
      valueName: 'CMD',
    },
    entrypoint: {
      type: 'string',
      multiple: true,
      description: 'entrypoint, in the same forms as --cmd',
      valueName: 'EP',
    },
    env: { type: 'string', multiple: true, description: 'environment variable K=V', valueName: 'K=V' },
    workdir: { type: 'string', description: 'working directory', valueName: 'DIR' },
    user: { type: 'string', description: 'user[:group] the process runs as', valueName: 'USER' },
    label: { type: 'string', multiple: true, description: 'label K=V', valueName: 'K=V' },
    'stop-signal': { type: 'string', description: 'signal that stops the container', valueName: 'SIG' },
    expose: { type: 'string', multiple: true, description: 'exposed port, PORT[/tcp|udp]', valueName: 'PORT' },
    volume: { type: 'string', multiple: true, description: 'volume path', valueName: 'PATH' },
    compression: { type: 'string', description: 'layer compression: gzip (default), zstd or none', valueName: 'ALG' },
    platform: {
      type: 'string',
      description: 'OS/ARCH[/VARIANT] recorded in the config (default: the host)',
      valueName: 'P',
    },
    'source-date-epoch': {
      type: 'string',
      description: 'fix created and clamp file times to this Unix time (default: $SOURCE_DATE_EPOCH)',
      valueName: 'SECS',
    },
  },
  details: `--cmd and --entrypoint follow Dockerfile semantics: '["sh","-c","x"]' is the exec form, a single
other string is the shell form (/bin/sh -c STRING), and repeating the flag gives one argument per flag.`,
  async run(args) {
    const [rootfs, target] = args.positionals as [string, string];
    const { importRootfs } = await import('../../image/import-rootfs.js');
    const { parsePlatform } = await import('../../image/platform.js');
    const compression = stringOption(args, 'compression') ?? 'gzip';
    if (!['gzip', 'zstd', 'none'].includes(compression))
      throw new UsageError(`--compression must be gzip, zstd or none, not '${compression}'`);
    const epochText = stringOption(args, 'source-date-epoch') ?? process.env.SOURCE_DATE_EPOCH;
    let sourceDateEpoch: number | undefined;
    if (epochText !== undefined && epochText !== '') {
      if (!/^\d+$/.test(epochText)) throw new UsageError(`source date epoch must be whole seconds, not '${epochText}'`);
      sourceDateEpoch = Number(epochText);
    }
    try {
      if (!statSync(rootfs).isDirectory()) throw new Error('not a directory');
    } catch (err) {
      throw new HullError('ROOTFS_INVALID', `cannot import ${rootfs}: ${(err as Error).message}`, { file: rootfs });
    }
    const config = execConfig(args);
    const platformText = stringOption(args, 'platform');
    const platform = platformText ? parsePlatform(platformText) : undefined;
    const result = await withLayoutReference(target, 'write', async (layout, tag) => {
      if (!tag) throw new UsageError(`'${target}' names no tag; use oci:DIR:TAG`);
      return withSpinner(`importing ${rootfs}`, flag(args, 'quiet'), () =>
        importRootfs(layout, rootfs, {
          tag,
          compression: compression as Compression,
          sourceDateEpoch,
          platform,
          config,
        }),
      );
    });
    if (!flag(args, 'quiet')) process.stdout.write(`${result.manifest.digest}\n`);
    return 0;
  },
};

function execConfig(args: Parameters<CommandSpec['run']>[0]): ImageExecConfig {
  const config: ImageExecConfig = {};
  const cmd = listOption(args, 'cmd');
  if (cmd.length) config.Cmd = parseCommandLine(cmd, '--cmd');
  const entrypoint = listOption(args, 'entrypoint');
  if (entrypoint.length) config.Entrypoint = parseCommandLine(entrypoint, '--entrypoint');
  const env = listOption(args, 'env');
  for (const e of env) if (!/^[^=]+=/.test(e)) throw new UsageError(`--env needs K=V, not '${e}'`);
  // Images carry a PATH (docker's and podman's builders add one); keep the caller's if given.
  config.Env = env.some((e) => e.startsWith('PATH='))
    ? env
    : ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', ...env];
  const workdir = stringOption(args, 'workdir');
  if (workdir !== undefined) config.WorkingDir = workdir;
  const user = stringOption(args, 'user');
  if (user !== undefined) config.User = user;
  const labels = listOption(args, 'label');
  if (labels.length) config.Labels = keyValues(labels, '--label');
  const stop = stringOption(args, 'stop-signal');
  if (stop !== undefined) config.StopSignal = stop;
  const ports = listOption(args, 'expose');
  for (const p of ports) {
    if (!/^\d+(\/(tcp|udp|sctp))?$/.test(p)) throw new UsageError(`--expose needs PORT[/tcp|udp], not '${p}'`);
    config.ExposedPorts = { ...config.ExposedPorts, [p.includes('/') ? p : `${p}/tcp`]: {} };
  }
  for (const v of listOption(args, 'volume')) config.Volumes = { ...config.Volumes, [v]: {} };
  return config;
}
