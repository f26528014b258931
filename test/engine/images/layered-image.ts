/**
 * A small three-layer image whose upper layers exercise every whiteout case overlay snapshots
 * must get right (image-spec layer.md#whiteouts, #opaque-whiteout): a removed file, a removed
 * directory, an opaque directory refilled in the same layer, a whiteout followed by a directory
 * of the same name, and a file replaced by a directory.
 */

import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { ImageLayout } from '../../../src/image/layout/layout.js';
import { MediaType } from '../../../src/oci/media-types.js';
import { type TarSpec, tarOf } from '../../helpers/hostile-layers.js';

const T = 1_600_000_000;

export const LAYERS: TarSpec[][] = [
  [
    { name: 'etc/', type: 'dir', mode: 0o755, mtime: T },
    { name: 'etc/keep', body: 'keep\n', mtime: T },
    { name: 'etc/gone', body: 'gone\n', mtime: T },
    { name: 'var/', type: 'dir', mode: 0o755, mtime: T },
    { name: 'var/cache/', type: 'dir', mode: 0o755, mtime: T },
    { name: 'var/cache/a', body: 'a\n', mtime: T },
    { name: 'var/cache/sub/', type: 'dir', mode: 0o700, mtime: T },
    { name: 'var/cache/sub/b', body: 'b\n', mtime: T },
    { name: 'olddir/', type: 'dir', mode: 0o755, mtime: T },
    { name: 'olddir/x', body: 'x\n', mtime: T },
    { name: 'redo/', type: 'dir', mode: 0o755, mtime: T },
    { name: 'redo/old', body: 'old\n', mtime: T },
    { name: 'becomes-dir', body: 'file\n', mtime: T },
    { name: 'bin/', type: 'dir', mode: 0o755, mtime: T },
    { name: 'bin/sh', body: '#!sh\n', mode: 0o755, mtime: T },
    { name: 'bin/link', type: 'link', linkname: 'bin/sh', mode: 0o755, mtime: T },
  ],
  [
    { name: 'etc/', type: 'dir', mode: 0o755, mtime: T + 1 },
    { name: 'etc/.wh.gone', mtime: T + 1 },
    { name: 'etc/new', body: 'new\n', uid: 1000, gid: 1000, mtime: T + 1 },
    { name: 'var/', type: 'dir', mode: 0o755, mtime: T },
    { name: 'var/cache/', type: 'dir', mode: 0o755, mtime: T + 1 },
    { name: 'var/cache/.wh..wh..opq', mtime: T + 1 },
    { name: 'var/cache/fresh', body: 'fresh\n', mtime: T + 1 },
    { name: '.wh.olddir', mtime: T + 1 },
    { name: 'becomes-dir/', type: 'dir', mode: 0o750, mtime: T + 1 },
    { name: 'becomes-dir/inside', body: 'in\n', mtime: T + 1 },
  ],
  [
    { name: '.wh.redo', mtime: T + 2 },
    { name: 'redo/', type: 'dir', mode: 0o711, mtime: T + 2 },
    { name: 'redo/new', body: 'new\n', mtime: T + 2 },
    { name: 'etc/', type: 'dir', mode: 0o755, mtime: T + 1 },
    { name: 'etc/keep', body: 'kept and changed\n', mode: 0o600, mtime: T + 2 },
    { name: 'dev/', type: 'dir', mode: 0o755, mtime: T + 2 },
    { name: 'dev/null', type: 'char', devmajor: 1, devminor: 3, mode: 0o666, mtime: T + 2 },
  ],
];

/** Writes the image into a new layout at `dir`, tagged `tag`; returns the config digest (the image id). */
export async function writeLayeredImage(dir: string, tag = 'layers'): Promise<string> {
  const layout = await ImageLayout.create(dir);
  const layers = [];
  const diffIDs = [];
  for (const spec of LAYERS) {
    const tar = tarOf(spec);
    diffIDs.push(`sha256:${createHash('sha256').update(tar).digest('hex')}`);
    layers.push(await layout.putBlobBuffer(gzipSync(tar), MediaType.layerTarGzip));
  }
  const config = await layout.putJSON(
    {
      created: '2020-09-13T12:26:40Z',
      architecture: 'amd64',
      os: 'linux',
      config: { Cmd: ['/bin/sh'] },
      rootfs: { type: 'layers', diff_ids: diffIDs },
    },
    MediaType.imageConfig,
  );
  const manifest = await layout.putJSON(
    { schemaVersion: 2, mediaType: MediaType.imageManifest, config, layers },
    MediaType.imageManifest,
  );
  await layout.tag(tag, manifest);
  return config.digest;
}
