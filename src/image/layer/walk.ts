/**
 * Walking a directory tree into tar items (image-spec/layer.md#file-types and #file-attributes).
 *
 * Naming: paths relative to the root with no leading `./` (`etc/`, `etc/passwd`), directories with
 * a trailing `/` — what umoci, Docker and BuildKit write. The root directory itself is not an
 * entry: its mode comes from whoever unpacks (a build directory is often 0700, which must not
 * become the image's `/`).
 *
 * Order: depth-first, each directory's children sorted bytewise (UTF-8) by name, so a directory
 * precedes its content and the order does not depend on readdir or the filesystem.
 *
 * All calls are synchronous: lstat/readdir/llistxattr on a local tree are microseconds, far
 * cheaper than a promise round trip per file.
 */
import { lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { HullError } from '../../errors.js';
import { native } from '../../native.js';
import type { TarHeader, TarItem, TarType } from './tar-writer.js';

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_WHITEOUT = '.wh..wh..opq';

/**
 * Xattrs left out of layers, as umoci does: security.selinux labels are host policy (the runtime
 * or the unpacking host labels files), NFSv4 ACLs are filesystem-specific, and overlayfs's own
 * bookkeeping (trusted.overlay.* / user.overlay.*) describes the build host's overlay, not the
 * image. Everything else — security.capability, user.*, trusted.*, system.posix_acl_* — is kept.
 */
export function keepXattr(name: string): boolean {
  return (
    name !== 'security.selinux' &&
    name !== 'system.nfs4_acl' &&
    !name.startsWith('trusted.overlay.') &&
    !name.startsWith('user.overlay.')
  );
}

/**
 * The kept xattrs of `path`, sorted by name. Empty values are dropped: a PAX record with an empty
 * value means "delete this keyword" (POSIX pax, "extended header keyword" rules), so it cannot
 * carry an empty xattr.
 */
export function readXattrs(path: string): [string, Buffer][] {
  const n = native();
  const names = n.llistxattr(path);
  if (names.length === 0) return [];
  const out: [string, Buffer][] = [];
  for (const name of names.sort()) {
    if (!keepXattr(name)) continue;
    const value = n.lgetxattr(path, name);
    if (value && value.length > 0) out.push([name, value]);
  }
  return out;
}

/** Children of `dir` in bytewise UTF-8 order. */
export function sortedNames(dir: string): string[] {
  const names = readdirSync(dir);
  // UTF-16 code unit order (the default sort) equals UTF-8 byte order unless surrogates appear.
  if (names.some((s) => /[\ud800-\udfff]/.test(s))) {
    return names.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  }
  return names.sort();
}

const S_IFMT = 0o170000;

/** The tar type of a mode, or undefined for sockets (skipped, as GNU tar does) and unknown types. */
export function tarTypeOf(mode: number): TarType | undefined {
  switch (mode & S_IFMT) {
    case 0o100000:
      return 'file';
    case 0o040000:
      return 'directory';
    case 0o120000:
      return 'symlink';
    case 0o020000:
      return 'char';
    case 0o060000:
      return 'block';
    case 0o010000:
      return 'fifo';
    default:
      return undefined;
  }
}

export function checkName(name: string, abs: string): void {
  // layer.md#whiteouts: a filesystem cannot hold names starting with .wh. in a layer.
  if (name.startsWith(WHITEOUT_PREFIX))
    throw new HullError('WHITEOUT_NAME', `${abs}: names starting with '.wh.' cannot be stored in a layer`, {
      file: abs,
      section: 'image-spec/layer.md#whiteouts',
    });
}

/** The lstat fields an entry needs (fs.Stats has them; diff.ts converts BigIntStats). */
export interface EntryStat {
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtimeMs: number;
  nlink: number;
  dev: number;
  ino: number;
  rdev: number;
}

/** Maps a (dev, inode) to the archive path of its first entry, to emit later ones as hardlinks. */
export type LinkMap = Map<string, string>;

export interface EntryContext {
  /** SOURCE_DATE_EPOCH: mtimes are clamped to it. */
  epoch?: number;
  links: LinkMap;
}

/** Seconds of an mtime, clamped to the epoch. */
export function clampMtime(mtimeMs: number, epoch?: number): number {
  const s = Math.floor(mtimeMs / 1000);
  return epoch !== undefined && s > epoch ? epoch : s;
}

/**
 * The tar item for one filesystem entry. `rel` is its path without trailing slash. Non-directories
 * with more than one link become hardlink entries to the first archived path of the same
 * dev+inode (layer.md#hardlinks); links to paths outside the archive are not recorded.
 */
export function itemFor(abs: string, rel: string, st: EntryStat, ctx: EntryContext): TarItem | undefined {
  const type = tarTypeOf(st.mode);
  if (!type) return undefined;
  const header: TarHeader = {
    name: type === 'directory' ? `${rel}/` : rel,
    type,
    mode: st.mode & 0o7777,
    uid: st.uid,
    gid: st.gid,
    mtime: clampMtime(st.mtimeMs, ctx.epoch),
  };
  if (type !== 'directory' && st.nlink > 1) {
    const key = `${st.dev}:${st.ino}`;
    const first = ctx.links.get(key);
    if (first !== undefined) {
      header.type = 'link';
      header.linkname = first;
      return { header };
    }
    ctx.links.set(key, rel);
  }
  const xattrs = readXattrs(abs);
  if (xattrs.length) header.xattrs = xattrs;
  switch (type) {
    case 'file':
      header.size = st.size;
      return st.size > 0 ? { header, source: abs } : { header };
    case 'symlink':
      header.linkname = readlinkSync(abs);
      break;
    case 'char':
    case 'block': {
      const n = native();
      header.devmajor = n.major(st.rdev);
      header.devminor = n.minor(st.rdev);
      break;
    }
  }
  return { header };
}

/**
 * Every entry under `absDir` (not `absDir` itself), depth-first in sorted order, named
 * `${relDir}/${name}` (just `name` when relDir is '').
 */
export function* walkTree(absDir: string, relDir: string, ctx: EntryContext): Generator<TarItem, void, undefined> {
  for (const name of sortedNames(absDir)) {
    const abs = `${absDir}/${name}`;
    const rel = relDir === '' ? name : `${relDir}/${name}`;
    checkName(name, abs);
    const st = lstatSync(abs);
    const item = itemFor(abs, rel, st, ctx);
    if (!item) continue;
    yield item;
    if (item.header.type === 'directory') yield* walkTree(abs, rel, ctx);
  }
}
