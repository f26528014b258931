/**
 * packDiff: the changeset layer from `lowerDir` to `upperDir`, two full snapshots as in
 * image-spec/layer.md#populate-a-comparison-filesystem and #determining-changes.
 *
 * Rules (names and order as in walk.ts; sockets are ignored on both sides):
 *
 * 1. Added (only in upper): the entry and, for a directory, its whole subtree
 *    (layer.md#representing-changes: "added ... files and directories in their entirety").
 * 2. Deleted (only in lower): a whiteout `DIR/.wh.NAME`, an empty regular file
 *    (layer.md#whiteouts); nothing below a deleted directory is listed.
 * 3. Modified (in both): emitted when the type, permission bits (incl. setuid/setgid/sticky),
 *    uid, gid or mtime (to the nanosecond) differ; for files also the size, for symlinks the
 *    target, for devices the device number; or the kept xattrs (walk.ts keepXattr) differ. When
 *    all of that is equal, file contents are compared byte by byte only if the mtime has no
 *    sub-second part (`contentCheck: 'auto'`, as containerd's continuity does): such times come
 *    from tar extraction or second-granularity filesystems, where an edit within the same second
 *    is invisible in the metadata. `'always'` compares every candidate, `'never'` trusts metadata.
 * 4. A directory replaced by a non-directory: whiteout `.wh.NAME` then the new entry. The
 *    whiteout is not strictly needed (layer.md#changeset-over-existing-files has the applier
 *    remove the path) but states the removal of the old subtree explicitly. A non-directory
 *    replaced by a directory, or by another non-directory type, is just the new entry (the
 *    applier unlinks the old one, same section).
 * 5. Opaque whiteout (layer.md#opaque-whiteout): a directory present in both whose lower children
 *    are all gone and which has new children — i.e. it was deleted and recreated — is written as
 *    the directory, `DIR/.wh..wh..opq`, then its new content. A directory that was only emptied
 *    gets explicit whiteouts, as layer.md says implementations SHOULD generate (`opaque: false`
 *    disables opaque whiteouts entirely).
 * 6. Whiteouts of a directory come right after that directory's entry and before its other
 *    children (layer.md#whiteouts: "whiteout files appear before sibling directory entries"),
 *    so even a naive in-order applier removes before it creates.
 * 7. Parent directories of every emitted entry are emitted too (from upper), as containerd does,
 *    so the layer carries their current attributes and mtimes; the root itself is never an entry.
 * 8. Hardlinks: within the layer, the second and later paths of one upper inode become hardlink
 *    entries to the first one emitted. A changed path linked to an unchanged upper path is
 *    written as a full file (the link map only covers paths in the layer; layer.md#hardlinks).
 *
 * Whiteouts are mode 0644, owned by 0:0, with mtime = sourceDateEpoch (or 0): deterministic.
 */
import { type BigIntStats, closeSync, lstatSync, openSync, readlinkSync, readSync } from 'node:fs';
import { HullError } from '../../errors.js';
import { type PackedLayer, type PackOptions, packItems } from './layer-stream.js';
import type { TarItem, TarType } from './tar-writer.js';
import {
  checkName,
  type EntryContext,
  type EntryStat,
  itemFor,
  OPAQUE_WHITEOUT,
  readXattrs,
  sortedNames,
  tarTypeOf,
  WHITEOUT_PREFIX,
  walkTree,
} from './walk.js';

export interface DiffOptions extends PackOptions {
  /** When to compare file bytes of otherwise-identical files (rule 3); default 'auto'. */
  contentCheck?: 'auto' | 'always' | 'never';
  /** Use opaque whiteouts for recreated directories (rule 5); default true. */
  opaque?: boolean;
}

interface Node {
  abs: string;
  type: TarType;
  st: EntryStat;
  mtimeNs: bigint;
}

function toEntryStat(st: BigIntStats): EntryStat {
  return {
    mode: Number(st.mode),
    uid: Number(st.uid),
    gid: Number(st.gid),
    size: Number(st.size),
    mtimeMs: Number(st.mtimeNs / 1_000_000n),
    nlink: Number(st.nlink),
    dev: Number(st.dev),
    ino: Number(st.ino),
    rdev: Number(st.rdev),
  };
}

/** A directory's children (sockets left out), in sorted order. */
function children(dir: string): Map<string, Node> {
  const out = new Map<string, Node>();
  for (const name of sortedNames(dir)) {
    const abs = `${dir}/${name}`;
    checkName(name, abs);
    const st = lstatSync(abs, { bigint: true });
    const type = tarTypeOf(Number(st.mode));
    if (type) out.set(name, { abs, type, st: toEntryStat(st), mtimeNs: st.mtimeNs });
  }
  return out;
}

function sameXattrs(a: string, b: string): boolean {
  const x = readXattrs(a);
  const y = readXattrs(b);
  return x.length === y.length && x.every(([k, v], i) => y[i]![0] === k && y[i]![1].equals(v));
}

const CMP_CHUNK = 256 * 1024;

function sameContent(a: string, b: string, size: number): boolean {
  const fa = openSync(a, 'r');
  try {
    const fb = openSync(b, 'r');
    try {
      const ba = Buffer.allocUnsafe(Math.min(CMP_CHUNK, size));
      const bb = Buffer.allocUnsafe(ba.length);
      let left = size;
      while (left > 0) {
        const want = Math.min(ba.length, left);
        const na = readSync(fa, ba, 0, want, null);
        const nb = readSync(fb, bb, 0, want, null);
        if (na !== nb || na === 0) return false;
        if (ba.compare(bb, 0, nb, 0, na) !== 0) return false;
        left -= na;
      }
      return true;
    } finally {
      closeSync(fb);
    }
  } finally {
    closeSync(fa);
  }
}

/** Rule 3: whether `u` differs from `l` (same name, both present). */
function modified(l: Node, u: Node, contentCheck: 'auto' | 'always' | 'never'): boolean {
  if (l.type !== u.type) return true;
  const a = l.st;
  const b = u.st;
  if ((a.mode & 0o7777) !== (b.mode & 0o7777) || a.uid !== b.uid || a.gid !== b.gid) return true;
  if (l.mtimeNs !== u.mtimeNs) return true;
  switch (u.type) {
    case 'file':
      if (a.size !== b.size) return true;
      break;
    case 'symlink':
      if (readlinkSync(l.abs) !== readlinkSync(u.abs)) return true;
      break;
    case 'char':
    case 'block':
      if (a.rdev !== b.rdev) return true;
      break;
  }
  if (!sameXattrs(l.abs, u.abs)) return true;
  if (u.type !== 'file' || b.size === 0 || contentCheck === 'never') return false;
  if (contentCheck === 'auto' && u.mtimeNs % 1_000_000_000n !== 0n) return false;
  return !sameContent(l.abs, u.abs, b.size);
}

interface Pending {
  abs: string;
  rel: string;
  st: EntryStat;
  emitted: boolean;
}

class DiffWalker {
  private readonly pending: Pending[] = [];
  private readonly ctx: EntryContext;
  private readonly contentCheck: 'auto' | 'always' | 'never';
  private readonly opaque: boolean;
  private readonly whiteoutMtime: number;

  constructor(opts: DiffOptions) {
    this.ctx = { epoch: opts.sourceDateEpoch, links: new Map() };
    this.contentCheck = opts.contentCheck ?? 'auto';
    this.opaque = opts.opaque ?? true;
    this.whiteoutMtime = opts.sourceDateEpoch ?? 0;
  }

  /** Rule 7: the not-yet-emitted parent directories, outermost first. */
  private *flush(): Generator<TarItem, void, undefined> {
    for (const p of this.pending) {
      if (p.emitted) continue;
      p.emitted = true;
      const item = itemFor(p.abs, p.rel, p.st, this.ctx);
      if (item) yield item;
    }
  }

  private whiteout(rel: string, name: string): TarItem {
    return {
      header: {
        name: rel === '' ? name : `${rel}/${name}`,
        type: 'file',
        mode: 0o644,
        uid: 0,
        gid: 0,
        mtime: this.whiteoutMtime,
        size: 0,
      },
    };
  }

  private *added(u: Node, rel: string): Generator<TarItem, void, undefined> {
    yield* this.flush();
    const item = itemFor(u.abs, rel, u.st, this.ctx);
    if (!item) return;
    yield item;
    if (u.type === 'directory') yield* walkTree(u.abs, rel, this.ctx);
  }

  *dir(rel: string, lowerAbs: string, upperAbs: string): Generator<TarItem, void, undefined> {
    const lower = children(lowerAbs);
    const upper = children(upperAbs);
    const whiteouts: string[] = [];
    let survivors = 0;
    for (const [name, l] of lower) {
      const u = upper.get(name);
      if (!u) whiteouts.push(name);
      else {
        survivors++;
        if (l.type === 'directory' && u.type !== 'directory') whiteouts.push(name); // rule 4
      }
    }
    const opaque = this.opaque && lower.size > 0 && survivors === 0 && upper.size > 0; // rule 5
    if (opaque || whiteouts.length > 0) {
      yield* this.flush(); // rule 6: this directory's entry first, then its whiteouts
      if (opaque) yield this.whiteout(rel, OPAQUE_WHITEOUT);
      else for (const name of whiteouts) yield this.whiteout(rel, WHITEOUT_PREFIX + name);
    }
    for (const [name, u] of upper) {
      const urel = rel === '' ? name : `${rel}/${name}`;
      const l = opaque ? undefined : lower.get(name);
      if (!l || (l.type !== u.type && (l.type === 'directory' || u.type === 'directory'))) {
        yield* this.added(u, urel); // rules 1 and 4
      } else if (u.type === 'directory') {
        const p: Pending = { abs: u.abs, rel: urel, st: u.st, emitted: false };
        this.pending.push(p);
        if (modified(l, u, this.contentCheck)) yield* this.flush();
        yield* this.dir(urel, l.abs, u.abs);
        this.pending.pop();
      } else if (modified(l, u, this.contentCheck)) {
        yield* this.flush();
        const item = itemFor(u.abs, urel, u.st, this.ctx);
        if (item) yield item;
      }
    }
  }
}

export function packDiff(lowerDir: string, upperDir: string, opts: DiffOptions): PackedLayer {
  const lower = lowerDir.replace(/\/+$/, '') || '/';
  const upper = upperDir.replace(/\/+$/, '') || '/';
  for (const d of [lowerDir, upperDir])
    if (!lstatSync(d).isDirectory()) throw new HullError('NOT_A_DIRECTORY', `${d} is not a directory`, { file: d });
  const walker = new DiffWalker(opts);
  return packItems(walker.dir('', lower, upper), opts);
}
