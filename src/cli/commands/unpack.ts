import { withLayoutReference } from '../../transport/open.js';
import { flag, stringOption } from '../args.js';
import type { CommandSpec } from '../command.js';
import { parseBytes } from '../parse-values.js';
import { layerBar } from '../progress.js';

export const unpackCommand: CommandSpec = {
  name: 'unpack',
  summary:
    'Unpack an image into a runtime bundle: BUNDLE_DIR/rootfs and BUNDLE_DIR/config.json (like umoci unpack). BUNDLE_DIR must not exist or be empty.',
  usage: 'unpack [OPTIONS] oci:DIR[:TAG]|oci-archive:FILE[:TAG] BUNDLE_DIR',
  positionals: [2, 2],
  // Its work is all awaited: ending at once spares Node's heap teardown (~10-20 ms after a big
  // unpack, bench/unpack.ts).
  exitWhenDone: true,
  options: {
    platform: {
      type: 'string',
      description: 'OS/ARCH[/VARIANT] to pick from an index (default: the host)',
      valueName: 'P',
    },
    'max-layer-size': {
      type: 'string',
      description: 'refuse layers larger than this uncompressed (bytes, or with k/m/g suffix; default 64g)',
      valueName: 'SIZE',
    },
  },
  async run(args) {
    const [source, bundle] = args.positionals as [string, string];
    const { unpackImage } = await import('../../image/unpack.js');
    const { parsePlatform } = await import('../../image/platform.js');
    const platformText = stringOption(args, 'platform');
    const maxText = stringOption(args, 'max-layer-size');
    const maxLayerBytes = maxText === undefined ? undefined : parseBytes(maxText, '--max-layer-size');
    const bar = await layerBar(flag(args, 'quiet'), 'unpacking');
    try {
      await withLayoutReference(source, 'read', (layout, tag) =>
        unpackImage(layout, bundle, {
          tag,
          platform: platformText ? parsePlatform(platformText) : undefined,
          maxLayerBytes,
          onLayer: (done, total, layer) => bar.tick(done, total, layer.digest.slice(7)),
        }),
      );
    } finally {
      bar.stop();
    }
    return 0;
  },
};
