/**
 * ROOT/snapshots: one directory per layer stack, keyed by chainID (docs/engine.md, as
 * containerd's snapshotter keys them):
 *   snapshots/<chainID hex>/fs         the layer alone, in overlay format (a read-only lowerdir)
 *   snapshots/<chainID hex>/parent     the parent snapshot's chainID hex ('' for a base layer)
 *   snapshots/<chainID hex>/info.json  {chainID, diffID, parent, size, tarBytes}
 * A snapshot is built in snapshots/tmp-* and renamed into place only once it is complete and
 * verified, and never changes afterwards: a snapshot directory that exists is whole. Removal
 * renames it to tmp-* first, so a half-deleted snapshot is never mistaken for a whole one.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isErrno } from '../../errors.js';
import { chainKey } from './chain.js';

export interface SnapshotInfo {
  chainID: string;
  diffID: string;
  /** The parent's chainID, or '' for a base layer. */
  parent: string;
  /** Bytes of regular-file data in the snapshot. */
  size: number;
  /** Bytes of the layer's uncompressed tar. */
  tarBytes: number;
}

export const TEMP_PREFIX = 'tmp-';

export class SnapshotStore {
  constructor(readonly dir: string) {}

  static async open(dir: string): Promise<SnapshotStore> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return new SnapshotStore(dir);
  }

  path(chainID: string): string {
    return join(this.dir, chainKey(chainID));
  }

  /** The directory overlayfs stacks as a lowerdir. */
  fsPath(chainID: string): string {
    return join(this.path(chainID), 'fs');
  }

  async has(chainID: string): Promise<boolean> {
    try {
      await stat(join(this.path(chainID), 'info.json'));
      return true;
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return false;
      throw err;
    }
  }

  async info(chainID: string): Promise<SnapshotInfo | undefined> {
    try {
      return JSON.parse(await readFile(join(this.path(chainID), 'info.json'), 'utf8')) as SnapshotInfo;
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return undefined;
      throw err;
    }
  }

  /** A fresh temp directory inside the store (same filesystem as the snapshots, so rename is atomic). */
  async tempDir(): Promise<string> {
    const tmp = join(this.dir, `${TEMP_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`);
    await mkdir(join(tmp, 'fs'), { recursive: true, mode: 0o755 });
    return tmp;
  }

  /**
   * Builds a snapshot: `build` fills TMP/fs and resolves with the layer's sizes once its content
   * is verified; then the snapshot is renamed into place. Another process that finished the
   * same snapshot first wins (ours is dropped). Any failure removes the temp directory.
   */
  async create(
    chainID: string,
    diffID: string,
    parent: string | undefined,
    build: (fsDir: string) => Promise<{ size: number; tarBytes: number }>,
  ): Promise<'created' | 'exists'> {
    const tmp = await this.tempDir();
    try {
      const sizes = await build(join(tmp, 'fs'));
      const info: SnapshotInfo = { chainID, diffID, parent: parent ?? '', ...sizes };
      await writeFile(join(tmp, 'parent'), parent ? chainKey(parent) : '');
      await writeFile(join(tmp, 'info.json'), JSON.stringify(info));
      return await this.commit(tmp, chainID);
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      throw err;
    }
  }

  /** Renames a finished temp directory into place; 'exists' (and the temp removed) when another got there first. */
  async commit(tmp: string, chainID: string): Promise<'created' | 'exists'> {
    try {
      await rename(tmp, this.path(chainID));
      return 'created';
    } catch (err) {
      if (!isErrno(err, 'ENOTEMPTY') && !isErrno(err, 'EEXIST')) throw err;
      await rm(tmp, { recursive: true, force: true });
      return 'exists';
    }
  }

  /** chainIDs of the whole snapshots present. */
  async list(): Promise<string[]> {
    const out: string[] = [];
    for (const e of await readdir(this.dir, { withFileTypes: true })) {
      // Only chainID-named directories are snapshots (others, like the engine's empty/, are not ours).
      if (!e.isDirectory() || !/^(?:[a-f0-9]{64}|sha512-[a-f0-9]{128})$/.test(e.name)) continue;
      const info = await this.info(e.name.startsWith('sha512-') ? e.name.replace('-', ':') : `sha256:${e.name}`);
      if (info) out.push(info.chainID);
    }
    return out;
  }

  /** Removes a snapshot (renamed away first, then deleted); false when it was not there. */
  async remove(chainID: string): Promise<boolean> {
    const away = join(this.dir, `${TEMP_PREFIX}rm-${process.pid}-${randomBytes(6).toString('hex')}`);
    try {
      await rename(this.path(chainID), away);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return false;
      throw err;
    }
    await rm(away, { recursive: true, force: true });
    return true;
  }

  /** Temp directories older than `maxAgeMs` (abandoned by a killed pull). */
  async sweepTemp(maxAgeMs: number): Promise<string[]> {
    const removed: string[] = [];
    const now = Date.now();
    for (const e of await readdir(this.dir, { withFileTypes: true })) {
      if (!e.name.startsWith(TEMP_PREFIX)) continue;
      const p = join(this.dir, e.name);
      const st = await stat(p).catch(() => undefined);
      if (!st || now - st.mtimeMs < maxAgeMs) continue;
      await rm(p, { recursive: true, force: true });
      removed.push(e.name);
    }
    return removed;
  }
}
