/**
 * A tree manifest: one line per entry of a directory tree (type, mode, owner, size, content
 * hash, link target, device numbers, xattrs, optionally mtime), so two trees — hull's unpack and
 * umoci's, say — are compared exactly and differences are named, not eyeballed.
 */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { native } from '../../src/native.js';

export interface TreeManifestOptions {
  /** Include modification times (seconds) of everything but symlinks. */
  mtime?: boolean;
  /** Relative paths (no leading slash) to leave out, with everything below them. */
  exclude?: string[];
}

function typeOf(mode: number): string {
  switch (mode & 0o170000) {
    case 0o100000:
      return 'file';
    case 0o040000:
      return 'dir';
    case 0o120000:
      return 'symlink';
    case 0o020000:
      return 'char';
    case 0o060000:
      return 'block';
    case 0o010000:
      return 'fifo';
    case 0o140000:
      return 'socket';
    default:
      return 'unknown';
  }
}

/** Map of relative path ('.' for the root) to a one-line description of the entry. */
export function treeManifest(root: string, opts: TreeManifestOptions = {}): Map<string, string> {
  const out = new Map<string, string>();
  const exclude = new Set(opts.exclude ?? []);
  const n = native();
  const visit = (rel: string): void => {
    if (exclude.has(rel)) return;
    const abs = rel === '.' ? root : join(root, rel);
    const st = lstatSync(abs, { bigint: false });
    const type = typeOf(st.mode);
    const parts = [type, `mode=${(st.mode & 0o7777).toString(8)}`, `uid=${st.uid}`, `gid=${st.gid}`];
    if (type === 'file') {
      parts.push(`size=${st.size}`, `sha256=${createHash('sha256').update(readFileSync(abs)).digest('hex')}`);
    }
    if (type === 'symlink') parts.push(`target=${readlinkSync(abs)}`);
    if (type === 'char' || type === 'block') parts.push(`dev=${n.major(st.rdev)},${n.minor(st.rdev)}`);
    if (opts.mtime && type !== 'symlink' && type !== 'dir') parts.push(`mtime=${Math.floor(st.mtimeMs / 1000)}`);
    for (const name of n.llistxattr(abs).sort()) {
      const value = n.lgetxattr(abs, name);
      parts.push(`xattr:${name}=${value ? value.toString('hex') : ''}`);
    }
    out.set(rel, parts.join(' '));
    if (type === 'dir') {
      for (const name of readdirSync(abs).sort()) visit(rel === '.' ? name : `${rel}/${name}`);
    }
  };
  visit('.');
  return out;
}

/** Differences between two manifests, one line each; empty when the trees are the same. */
export function diffManifests(a: Map<string, string>, b: Map<string, string>, names = ['a', 'b']): string[] {
  const diffs: string[] = [];
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort();
  for (const k of keys) {
    const x = a.get(k);
    const y = b.get(k);
    if (x === y) continue;
    if (x === undefined) diffs.push(`only in ${names[1]}: ${k} (${y})`);
    else if (y === undefined) diffs.push(`only in ${names[0]}: ${k} (${x})`);
    else diffs.push(`${k}: ${names[0]}: ${x} | ${names[1]}: ${y}`);
  }
  return diffs;
}
