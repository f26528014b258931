/**
 * Applies tar entries of one layer to a rootfs (image-spec layer.md#applying-changesets).
 *
 * Each entry's parent directory is resolved inside the rootfs (resolve-in-root.ts) and the entry
 * is made with *at syscalls relative to it, never following a symlink in the final component.
 * Creation is tried first (O_EXCL / mkdirat / symlinkat...) and only on EEXIST is the existing
 * path examined: a directory over a directory keeps its children and takes the entry's
 * attributes; anything else removes what is there first (layer.md#changeset-over-existing-files).
 * That keeps a fresh extraction at one or two syscalls per entry.
 *
 * Attribute order matters: data, then chown, then chmod (chown clears setuid/setgid), then
 * xattrs (a write or chown drops security.capability), with mtimes last. Directory mtimes are
 * set at the end of the layer because creating children changes them, and directories the
 * layer only writes into get their previous mtime back (as umoci does).
 *
 * Device nodes and FIFOs are created with mknod (we run as root, as umoci does); a rootless
 * caller gets EPERM for devices as a LAYER_APPLY_FAILED error.
 *
 * Whiteout formats: 'oci' (the default) applies whiteouts by removing from the rootfs below;
 * 'overlay' unpacks one layer alone into an empty directory that overlayfs will stack as a
 * lowerdir (docs/engine.md), so whiteouts are recorded the way overlayfs reads them
 * (kernel Documentation/filesystems/overlayfs.rst "whiteouts and opaque directories"):
 * `.wh.X` becomes a character device 0/0 named X, `.wh..wh..opq` the xattr
 * trusted.overlay.opaque=y on its directory. Layers then never need their parent's files.
 */
import { HullError } from '../../errors.js';
import { check, EEXIST, ENOENT, EOPNOTSUPP, EPERM, errnoError, layerNative } from './apply-native.js';
import type { TarEntry, TarSink } from './apply-tar.js';
import { cleanComponents, procPath, RootResolver, rootEntryError, splitEntryPath } from './resolve-in-root.js';
import { parseWhiteout, pruneOpaque } from './whiteout.js';

export interface ApplyStats {
  /** Tar entries read (PAX/GNU metadata records not counted). */
  entries: number;
  files: number;
  dirs: number;
  symlinks: number;
  hardlinks: number;
  /** Character and block devices and FIFOs. */
  devices: number;
  whiteouts: number;
  opaqueWhiteouts: number;
  /** Regular-file bytes written. */
  dataBytes: number;
  /** Uncompressed tar bytes read. */
  tarBytes: number;
  /** xattrs the filesystem refused as unsupported (EOPNOTSUPP), e.g. user.* on a symlink. */
  xattrsSkipped: number;
}

export type WhiteoutFormat = 'oci' | 'overlay';

export interface ApplierOptions {
  /** How whiteouts are applied (see the module comment); default 'oci'. */
  whiteouts?: WhiteoutFormat;
  /**
   * The rootfs is empty and this is its first layer: there is no lower layer for the layer's
   * whiteouts to remove from, so they are no-ops and the layer need not track the paths it
   * writes (~10k string-set insertions for a Debian base layer). 'oci' format only.
   */
  freshRoot?: boolean;
}

/** overlayfs' opaque-directory marker (overlayfs.rst, "whiteouts and opaque directories"). */
export const OVERLAY_OPAQUE_XATTR = 'trusted.overlay.opaque';
/** xattrs overlayfs interprets (opaque, redirect, metacopy...): a layer must not carry its own. */
const OVERLAY_XATTR_PREFIX = 'trusted.overlay.';

export function emptyStats(): ApplyStats {
  return {
    entries: 0,
    files: 0,
    dirs: 0,
    symlinks: 0,
    hardlinks: 0,
    devices: 0,
    whiteouts: 0,
    opaqueWhiteouts: 0,
    dataBytes: 0,
    tarBytes: 0,
    xattrsSkipped: 0,
  };
}

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const S_IFIFO = 0o010000;

interface DirTime {
  parentKey: string;
  name: string;
  sec: number;
  nsec: number;
}

interface OpenFile {
  fd: number;
  entry: TarEntry;
  parentFd: number;
  name: string;
}

function parentOf(key: string): string {
  const slash = key.lastIndexOf('/');
  return slash < 0 ? '' : key.slice(0, slash);
}

export class LayerApplier implements TarSink {
  readonly stats = emptyStats();
  private readonly n = layerNative();
  private readonly resolver: RootResolver;
  /** Paths this layer wrote, with their ancestors: what an opaque whiteout keeps. */
  private readonly own = new Set<string>();
  /** A first layer onto an empty rootfs in 'oci' format: whiteouts have nothing to remove. */
  private readonly nothingBelow: boolean;
  private readonly dirTimes: DirTime[] = [];
  /** mtimes of directories before this layer touched them, restored at the end. */
  private readonly priorTimes = new Map<string, [number, number]>();
  private cur: OpenFile | undefined;
  private readonly overlay: boolean;
  /** overlay format: directories to mark opaque at the end of the layer. */
  private readonly opaqueDirs = new Set<string>();
  /** overlay format: paths this layer made whiteout devices for. */
  private readonly whiteoutKeys = new Set<string>();

  constructor(
    rootfs: string,
    private readonly label: string,
    opts: ApplierOptions = {},
  ) {
    this.overlay = opts.whiteouts === 'overlay';
    this.nothingBelow = opts.freshRoot === true && !this.overlay;
    this.resolver = new RootResolver(rootfs);
    const remember = (key: string, fd: number): void => {
      if (this.priorTimes.has(key)) return;
      const t = this.n.fstatMtime(fd);
      if (typeof t !== 'number') this.priorTimes.set(key, t);
    };
    remember('', this.resolver.rootfd);
    this.resolver.onOpen = remember;
  }

  entry(e: TarEntry, body: Buffer | undefined): void {
    this.stats.entries++;
    try {
      this.apply(e, body);
    } catch (err) {
      throw this.wrap(err, e.name);
    }
  }

  data(chunk: Buffer): void {
    const cur = this.cur;
    if (!cur) return;
    const rc = this.n.writeFd(cur.fd, chunk);
    if (rc < 0) throw this.wrap(errnoError(rc, 'write', cur.entry.name), cur.entry.name);
    this.stats.dataBytes += chunk.length;
  }

  end(): void {
    const cur = this.cur;
    if (!cur) return;
    this.cur = undefined;
    const e = cur.entry;
    try {
      check(this.n.finishFile(cur.fd, e.uid, e.gid, e.mode, e.mtimeSec, e.mtimeNsec), 'metadata', e.name);
      this.xattrs(cur.parentFd, cur.name, e);
    } catch (err) {
      throw this.wrap(err, e.name);
    }
  }

  /** End of the layer: opaque markers (overlay format), directory mtimes (layer.md#file-attributes). */
  finish(): void {
    for (const key of this.opaqueDirs) {
      const fd = this.resolver.dirFdIfExists(key);
      if (fd !== undefined) this.n.lsetxattr(procPath(fd, '.'), OVERLAY_OPAQUE_XATTR, Buffer.from('y'), 0);
    }
    const explicit = new Set<string>();
    for (const d of this.dirTimes) explicit.add(d.parentKey === '' ? d.name : `${d.parentKey}/${d.name}`);
    for (const [key, [sec, nsec]] of this.priorTimes) {
      if (explicit.has(key === '' ? '.' : key)) continue;
      const fd = this.resolver.dirFdIfExists(key);
      if (fd !== undefined) this.n.setMetaAt(fd, '.', -1, -1, -1, sec, nsec, false);
    }
    for (const d of this.dirTimes) {
      const pfd = this.resolver.dirFdIfExists(d.parentKey);
      if (pfd === undefined) continue;
      const rc = this.n.setMetaAt(pfd, d.name, -1, -1, -1, d.sec, d.nsec, false);
      if (rc < 0 && rc !== -ENOENT) throw this.wrap(errnoError(rc, 'utimensat', d.name), d.name);
    }
  }

  close(): void {
    if (this.cur) {
      this.n.finishFile(this.cur.fd, -1, -1, -1, 0, -1);
      this.cur = undefined;
    }
    this.resolver.close();
  }

  private wrap(err: unknown, name: string): HullError {
    if (err instanceof HullError) return err;
    const msg = err instanceof Error ? err.message : String(err);
    return new HullError('LAYER_APPLY_FAILED', `layer ${this.label}: entry '${name}': ${msg}`, {
      file: this.label,
      section: 'image-spec/layer.md#applying-changesets',
      cause: err,
    });
  }

  private markOwn(key: string): void {
    let k = key;
    while (k !== '' && !this.own.has(k)) {
      this.own.add(k);
      k = parentOf(k);
    }
  }

  private apply(e: TarEntry, body: Buffer | undefined): void {
    const split = splitEntryPath(e.name);
    if (split === undefined) {
      // `./` or `/`: the rootfs directory's own attributes.
      if (e.type !== 'dir') throw rootEntryError(this.label, e.name, `a ${e.type} cannot replace the rootfs`);
      check(this.n.setMetaAt(this.resolver.rootfd, '.', e.uid, e.gid, e.mode, 0, -1, false), 'metadata', e.name);
      this.xattrs(this.resolver.rootfd, '.', e);
      this.dirTimes.push({ parentKey: '', name: '.', sec: e.mtimeSec, nsec: e.mtimeNsec });
      this.stats.dirs++;
      return;
    }
    const [parentKey, name] = split;
    const wh = parseWhiteout(name, this.label, e.name);
    if (wh) {
      this.stats.whiteouts++;
      if (wh.kind === 'opaque') this.stats.opaqueWhiteouts++;
      if (this.nothingBelow) return;
      if (this.overlay) {
        if (wh.kind === 'opaque') this.overlayOpaque(parentKey);
        else if (wh.kind === 'remove') this.overlayWhiteout(parentKey, wh.target);
        return;
      }
      if (wh.kind === 'opaque') this.opaque(parentKey);
      else if (wh.kind === 'remove') this.whiteout(parentKey, wh.target);
      return;
    }
    const key = parentKey === '' ? name : `${parentKey}/${name}`;
    if (!this.nothingBelow) this.markOwn(key);
    const pfd = this.resolver.dirFd(parentKey, true);
    switch (e.type) {
      case 'file':
        this.file(e, parentKey, pfd, name, body);
        return;
      case 'dir':
        this.dir(e, parentKey, pfd, name);
        return;
      case 'symlink':
        this.symlink(e, parentKey, pfd, name);
        return;
      case 'link':
        this.hardlink(e, parentKey, name, key);
        return;
      case 'char':
      case 'block':
      case 'fifo':
        this.device(e, parentKey, pfd, name);
        return;
    }
  }

  /**
   * Removes whatever is at pfd/name (recursively for a directory) and returns the parent fd to
   * use afterwards (re-resolved when the removal invalidated the cache).
   */
  private removeExisting(parentKey: string, pfd: number, name: string): number {
    const mode = this.n.fstatatMode(pfd, name);
    if (mode === -ENOENT) return pfd;
    check(mode, 'fstatat', name);
    const type = mode & S_IFMT;
    if (type === S_IFDIR) check(this.n.removeAllAt(pfd, name), 'remove', name);
    else check(this.n.unlinkat(pfd, name, 0), 'unlinkat', name);
    if (type !== S_IFDIR && type !== S_IFLNK) return pfd;
    this.resolver.invalidateAll();
    return this.resolver.dirFd(parentKey, true);
  }

  private file(e: TarEntry, parentKey: string, pfd: number, name: string, body: Buffer | undefined): void {
    this.stats.files++;
    if (body) {
      let rc = this.n.writeFileAt(pfd, name, body, e.uid, e.gid, e.mode, e.mtimeSec, e.mtimeNsec);
      if (rc === -EEXIST) {
        pfd = this.removeExisting(parentKey, pfd, name);
        rc = this.n.writeFileAt(pfd, name, body, e.uid, e.gid, e.mode, e.mtimeSec, e.mtimeNsec);
      }
      check(rc, 'create', name);
      this.stats.dataBytes += body.length;
      this.xattrs(pfd, name, e);
      return;
    }
    let fd = this.n.createFileAt(pfd, name, e.mode);
    if (fd === -EEXIST) {
      pfd = this.removeExisting(parentKey, pfd, name);
      fd = this.n.createFileAt(pfd, name, e.mode);
    }
    check(fd, 'openat', name);
    this.cur = { fd, entry: e, parentFd: pfd, name };
  }

  private dir(e: TarEntry, parentKey: string, pfd: number, name: string): void {
    this.stats.dirs++;
    let rc = this.n.mkdirat(pfd, name, 0o700);
    let existed = false;
    if (rc === -EEXIST) {
      const mode = check(this.n.fstatatMode(pfd, name), 'fstatat', name);
      if ((mode & S_IFMT) === S_IFDIR) {
        existed = true;
        rc = 0;
      } else {
        pfd = this.removeExisting(parentKey, pfd, name);
        rc = this.n.mkdirat(pfd, name, 0o700);
      }
    }
    check(rc, 'mkdirat', name);
    if (this.overlay) {
      // A directory that replaces this layer's whiteout of the same path hides the lower one's
      // children, as the whiteout-then-create order means (layer.md#whiteouts).
      const key = parentKey === '' ? name : `${parentKey}/${name}`;
      if (this.whiteoutKeys.has(key)) this.opaqueDirs.add(key);
    }
    check(this.n.setMetaAt(pfd, name, e.uid, e.gid, e.mode, 0, -1, false), 'metadata', name);
    // "the existing path's attributes MUST be replaced" (layer.md#changeset-over-existing-files):
    // xattrs the entry does not carry go too.
    if (existed) this.clearXattrs(pfd, name, e);
    this.xattrs(pfd, name, e);
    this.dirTimes.push({ parentKey, name, sec: e.mtimeSec, nsec: e.mtimeNsec });
  }

  private symlink(e: TarEntry, parentKey: string, pfd: number, name: string): void {
    this.stats.symlinks++;
    // The target is stored verbatim: it is only ever resolved later, inside the rootfs.
    let rc = this.n.symlinkAt(e.linkname, pfd, name, e.uid, e.gid, e.mtimeSec, e.mtimeNsec);
    if (rc === -EEXIST) {
      pfd = this.removeExisting(parentKey, pfd, name);
      rc = this.n.symlinkAt(e.linkname, pfd, name, e.uid, e.gid, e.mtimeSec, e.mtimeNsec);
    }
    check(rc, 'symlinkat', name);
    this.xattrs(pfd, name, e);
  }

  private hardlink(e: TarEntry, parentKey: string, name: string, key: string): void {
    this.stats.hardlinks++;
    // The link target is a path in the rootfs, resolved like any entry path (layer.md#hardlinks).
    const target = cleanComponents(e.linkname);
    if (target.length === 0) throw rootEntryError(this.label, e.name, `hardlink to '${e.linkname}'`);
    const targetKey = target.join('/');
    if (targetKey === key) return; // a link to itself: already there
    const targetName = target[target.length - 1] as string;
    const targetParent = target.slice(0, -1).join('/');
    // A layer unpacked alone cannot link to a lower layer's file; layer.md#hardlinks allows
    // such an extraction to fail (docker and containerd fail there too).
    if (this.overlay && !this.own.has(targetKey))
      throw new HullError(
        'LAYER_HARDLINK_OUTSIDE',
        `layer ${this.label}: entry '${e.name}' is a hardlink to '${e.linkname}', which this layer does not contain; a layer unpacked as an overlay snapshot cannot link into a lower layer (image-spec/layer.md#hardlinks)`,
        { file: this.label, section: 'image-spec/layer.md#hardlinks' },
      );
    for (let attempt = 0; ; attempt++) {
      const tpfd = this.resolver.dirFd(targetParent, false);
      const pfd = this.resolver.dirFd(parentKey, true);
      // linkat without AT_SYMLINK_FOLLOW: a symlink target is linked, never followed.
      const rc = this.n.linkat(tpfd, targetName, pfd, name);
      if (rc === -EEXIST && attempt === 0) {
        this.removeExisting(parentKey, pfd, name);
        continue;
      }
      check(rc, 'linkat', `${e.linkname} -> ${name}`);
      // A hardlink shares its target's inode and so its attributes; tar's header copies them.
      return;
    }
  }

  private device(e: TarEntry, parentKey: string, pfd: number, name: string): void {
    this.stats.devices++;
    const type = e.type === 'char' ? S_IFCHR : e.type === 'block' ? S_IFBLK : S_IFIFO;
    const dev = e.type === 'fifo' ? 0 : this.n.makedev(e.devmajor, e.devminor);
    const mode = type | e.mode;
    let rc = this.n.mknodAt(pfd, name, mode, dev, e.uid, e.gid, e.mtimeSec, e.mtimeNsec);
    if (rc === -EEXIST) {
      pfd = this.removeExisting(parentKey, pfd, name);
      rc = this.n.mknodAt(pfd, name, mode, dev, e.uid, e.gid, e.mtimeSec, e.mtimeNsec);
    }
    check(rc, 'mknodat', name);
    this.xattrs(pfd, name, e);
  }

  private whiteout(parentKey: string, target: string): void {
    const key = parentKey === '' ? target : `${parentKey}/${target}`;
    // Whiteouts only apply to lower layers (layer.md#whiteouts).
    if (this.own.has(key)) return;
    const pfd = this.resolver.dirFdIfExists(parentKey);
    if (pfd !== undefined) this.removeExisting(parentKey, pfd, target);
  }

  /** overlay format: `.wh.X` → character device 0/0 named X, unless this layer wrote X itself. */
  private overlayWhiteout(parentKey: string, target: string): void {
    const key = parentKey === '' ? target : `${parentKey}/${target}`;
    if (this.own.has(key)) return;
    const pfd = this.resolver.dirFd(parentKey, true);
    if (parentKey !== '') this.markOwn(parentKey);
    const rc = this.n.mknodAt(pfd, target, S_IFCHR | 0o600, this.n.makedev(0, 0), 0, 0, 0, -1);
    if (rc !== -EEXIST) check(rc, 'mknodat', key);
    this.whiteoutKeys.add(key);
  }

  /** overlay format: the directory is marked opaque at the end of the layer (after its own entries' xattrs). */
  private overlayOpaque(parentKey: string): void {
    this.resolver.dirFd(parentKey, true);
    if (parentKey !== '') this.markOwn(parentKey);
    this.opaqueDirs.add(parentKey);
  }

  private opaque(parentKey: string): void {
    if (parentKey !== '') this.markOwn(parentKey);
    const dfd = this.resolver.dirFdIfExists(parentKey);
    if (dfd === undefined) return;
    if (pruneOpaque(dfd, parentKey, this.own)) this.resolver.invalidateAll();
  }

  private xattrs(pfd: number, name: string, e: TarEntry): void {
    if (!e.xattrs) return;
    const path = procPath(pfd, name);
    for (const [attr, value] of e.xattrs) {
      if (this.overlay && attr.startsWith(OVERLAY_XATTR_PREFIX)) {
        this.stats.xattrsSkipped++;
        continue;
      }
      try {
        this.n.lsetxattr(path, attr, value, 0);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        // user.* xattrs are refused on symlinks (EPERM) and by some filesystems (EOPNOTSUPP).
        if (code === 'EOPNOTSUPP' || code === 'ENOTSUP' || (code === 'EPERM' && e.type === 'symlink')) {
          this.stats.xattrsSkipped++;
          continue;
        }
        throw err;
      }
    }
  }

  private clearXattrs(pfd: number, name: string, e: TarEntry): void {
    const path = procPath(pfd, name);
    for (const attr of this.n.llistxattr(path)) {
      if (e.xattrs?.has(attr)) continue;
      const rc = this.n.lremovexattr(path, attr);
      if (rc < 0 && rc !== -EOPNOTSUPP && rc !== -EPERM) check(rc, 'lremovexattr', `${name} ${attr}`);
    }
  }
}
