/**
 * Whiteouts (image-spec layer.md#whiteouts, #opaque-whiteout).
 *
 * - `DIR/.wh.NAME` removes DIR/NAME of lower layers and is itself never created. It only applies
 *   to lower layers, so a whiteout of a path this same layer has already written is ignored.
 * - `DIR/.wh..wh..opq` hides every child of DIR from lower layers but not what this layer puts
 *   there, wherever the marker sits in the tar: the layer's own paths (and their ancestors) are
 *   recorded as entries are applied, and pruning keeps exactly those, recursing into kept
 *   directories to remove lower-layer descendants. Entries after the marker land in a directory
 *   that was already pruned, so both orders give the same tree.
 * - Other `.wh..wh.` names are AUFS bookkeeping (e.g. `.wh..wh.plnk`), not whiteouts of a file
 *   named `.wh.…`, which layer.md says cannot exist; they are skipped, as Docker does.
 */
import { closeSync, readdirSync } from 'node:fs';
import { HullError } from '../../errors.js';
import { O_PATH } from '../../native.js';
import { check, layerNative, O_CLOEXEC, O_DIRECTORY, O_NOFOLLOW } from './apply-native.js';

export const WH_PREFIX = '.wh.';
export const WH_OPAQUE = '.wh..wh..opq';

export type Whiteout = { kind: 'opaque' } | { kind: 'aufs' } | { kind: 'remove'; target: string };

/** Classifies a basename; undefined when it is not a whiteout. */
export function parseWhiteout(base: string, label: string, entryName: string): Whiteout | undefined {
  if (!base.startsWith(WH_PREFIX)) return undefined;
  if (base === WH_OPAQUE) return { kind: 'opaque' };
  if (base.startsWith(`${WH_PREFIX}${WH_PREFIX}`)) return { kind: 'aufs' };
  const target = base.slice(WH_PREFIX.length);
  // `.wh.` / `.wh..` / `.wh...` would name the directory itself, its parent or the rootfs.
  if (target === '' || target === '.' || target === '..') {
    throw new HullError(
      'LAYER_INVALID',
      `layer ${label}: whiteout entry '${entryName}' does not name a file to remove (it would remove '${target || '(empty)'}'); see image-spec/layer.md#whiteouts`,
      { file: label, section: 'image-spec/layer.md#whiteouts' },
    );
  }
  return { kind: 'remove', target };
}

/**
 * Removes every child of the directory `dirfd` (lexical path `key`) that this layer did not
 * write; recurses into directories the layer kept. Returns whether anything was removed
 * (the caller drops its resolution cache then).
 */
export function pruneOpaque(dirfd: number, key: string, ownPaths: Set<string>): boolean {
  const n = layerNative();
  let removed = false;
  const entries = readdirSync(`/proc/self/fd/${dirfd}/.`, { withFileTypes: true });
  for (const e of entries) {
    const childKey = key === '' ? e.name : `${key}/${e.name}`;
    if (!ownPaths.has(childKey)) {
      check(n.removeAllAt(dirfd, e.name), 'remove', childKey);
      removed = true;
    } else if (e.isDirectory()) {
      const fd = check(n.openat(dirfd, e.name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0), 'openat', childKey);
      try {
        if (pruneOpaque(fd, childKey, ownPaths)) removed = true;
      } finally {
        closeSync(fd);
      }
    }
  }
  return removed;
}
