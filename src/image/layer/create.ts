/**
 * packDirectory: a full-tree layer (image-spec/layer.md#initial-root-filesystem) — every entry
 * under `dir`, named and ordered as walk.ts describes, with the file attributes layer.md#file-attributes
 * requires (mode incl. setuid/setgid/sticky, numeric uid/gid, mtime, xattrs, symlink and
 * hardlink targets, device numbers). Sockets are skipped.
 */
import { lstatSync } from 'node:fs';
import { HullError } from '../../errors.js';
import { type PackedLayer, type PackOptions, packItems } from './layer-stream.js';
import type { TarItem } from './tar-writer.js';
import { walkTree } from './walk.js';

export type { PackedLayer, PackOptions } from './layer-stream.js';

export function packDirectory(dir: string, opts: PackOptions): PackedLayer {
  const root = dir.replace(/\/+$/, '') || '/';
  if (!lstatSync(root).isDirectory())
    throw new HullError('NOT_A_DIRECTORY', `${dir} is not a directory`, { file: dir });
  function* items(): Generator<TarItem, void, undefined> {
    yield* walkTree(root === '/' ? '' : root, '', { epoch: opts.sourceDateEpoch, links: new Map() });
  }
  return packItems(items(), opts);
}
