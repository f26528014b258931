/**
 * Resolving layer entry paths as chroot(2) would, so nothing is ever written outside the rootfs
 * (image-spec considerations: a layer is untrusted input; umoci does the same with
 * filepath-securejoin).
 *
 * Two steps:
 *  - the entry name is cleaned lexically, `..` at the root staying at the root (as umoci's
 *    `filepath.Join("/", name)`), leaving plain components;
 *  - the parent directory is opened by the kernel with openat2(rootfd, parent, O_PATH|O_DIRECTORY,
 *    RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS): symlinks in the parent chain, absolute or relative,
 *    are followed *inside* the rootfs, `..` through a symlink stops at the rootfs. The final
 *    component is then created or removed with *at syscalls relative to that fd, never following
 *    a symlink (O_NOFOLLOW, AT_SYMLINK_NOFOLLOW), so it cannot be redirected either.
 *
 * Parent fds are cached per lexical directory path: one openat2 per directory, not per file. The
 * cache is dropped whenever a directory or symlink is removed (any cached path may have
 * resolved through it); removing a regular file cannot change how a directory path resolves.
 */
import { closeSync, openSync } from 'node:fs';
import { HullError } from '../../errors.js';
import { O_PATH, RESOLVE_IN_ROOT, RESOLVE_NO_MAGICLINKS } from '../../native.js';
import { EEXIST, errnoError, layerNative, O_CLOEXEC, O_DIRECTORY } from './apply-native.js';

/** Lexically cleaned components of a tar path: no '', '.', or '..' (`..` at the root stays there). */
export function cleanComponents(name: string): string[] {
  const out: string[] = [];
  for (const c of name.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') out.pop();
    else out.push(c);
  }
  return out;
}

/**
 * cleanComponents(name) as [parent key, last component], or undefined when nothing is left (the
 * root). Tar names are nearly always already clean ("./usr/bin/x", "usr/lib/"): those are cut
 * with two slices, not split and joined again — the applier does this for every entry.
 */
export function splitEntryPath(name: string): [string, string] | undefined {
  let start = 0;
  while (name.startsWith('./', start) || name.charCodeAt(start) === 0x2f)
    start += name.charCodeAt(start) === 0x2f ? 1 : 2;
  let end = name.length;
  while (end > start && name.charCodeAt(end - 1) === 0x2f) end--;
  const s = start === 0 && end === name.length ? name : name.slice(start, end);
  if (s !== '' && s !== '.' && s !== '..' && !/\/\/|(^|\/)\.\.?(\/|$)/.test(s)) {
    const slash = s.lastIndexOf('/');
    return slash < 0 ? ['', s] : [s.slice(0, slash), s.slice(slash + 1)];
  }
  const comps = cleanComponents(name);
  if (comps.length === 0) return undefined;
  return [comps.slice(0, -1).join('/'), comps[comps.length - 1] as string];
}

/** More open directory fds than this and the cache starts over (fd limits are finite). */
const MAX_CACHED = 2048;

export class RootResolver {
  /** O_PATH fd of the rootfs; every resolution starts here. */
  readonly rootfd: number;
  private readonly cache = new Map<string, number>();
  private readonly n = layerNative();
  /** Called once per directory key the first time it is opened (to remember its mtime). */
  onOpen: ((key: string, fd: number) => void) | undefined;
  /** Number of openat2 calls (for stats/benchmarks). */
  opens = 0;

  constructor(readonly rootfs: string) {
    this.rootfd = openSync(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  }

  /**
   * The fd of directory `key` (cleaned components joined by '/', '' for the root), resolved in
   * the root. With `create`, missing directories are made (mode 0755, root-owned, as tar and umoci
   * do for parents a layer does not list). Throws ENOENT/ENOTDIR (as Node errors) otherwise.
   */
  dirFd(key: string, create: boolean): number {
    if (key === '') return this.rootfd;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    let fd: number;
    try {
      fd = this.open(key);
    } catch (err) {
      if (!create || (err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      const slash = key.lastIndexOf('/');
      const pfd = this.dirFd(slash < 0 ? '' : key.slice(0, slash), true);
      const base = slash < 0 ? key : key.slice(slash + 1);
      const rc = this.n.mkdirat(pfd, base, 0o755);
      if (rc < 0 && rc !== -EEXIST) throw errnoError(rc, 'mkdirat', key);
      // EEXIST here means something that is not a directory we can enter (e.g. a dangling
      // symlink): the second open reports it.
      fd = this.open(key);
    }
    if (this.cache.size >= MAX_CACHED) this.invalidateAll();
    this.cache.set(key, fd);
    this.onOpen?.(key, fd);
    return fd;
  }

  /** Like dirFd without create, but undefined when the directory does not exist. */
  dirFdIfExists(key: string): number | undefined {
    try {
      return this.dirFd(key, false);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw err;
    }
  }

  private open(key: string): number {
    this.opens++;
    return this.n.openat2(
      this.rootfd,
      key,
      O_PATH | O_DIRECTORY | O_CLOEXEC,
      0,
      RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    );
  }

  /** Forget every cached fd: call after removing a directory or a symlink. */
  invalidateAll(): void {
    for (const fd of this.cache.values()) closeSync(fd);
    this.cache.clear();
  }

  close(): void {
    this.invalidateAll();
    closeSync(this.rootfd);
  }
}

/**
 * `/proc/self/fd/N/NAME`: addresses NAME inside an fd's directory for path-based calls (xattrs).
 * The magic link is an intermediate component (followed to the directory itself); NAME ('.' for
 * the directory) is looked up by the l* calls without following a final symlink.
 */
export function procPath(dirfd: number, name: string): string {
  return `/proc/self/fd/${dirfd}/${name}`;
}

/** Rejects an entry that would have to replace the rootfs itself. */
export function rootEntryError(label: string, name: string, what: string): HullError {
  return new HullError('LAYER_INVALID', `layer ${label}: entry '${name}': ${what} (it resolves to the rootfs itself)`, {
    file: label,
    section: 'image-spec/layer.md#changeset-over-existing-files',
  });
}
