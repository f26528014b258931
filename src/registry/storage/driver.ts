/**
 * The storage driver: the narrow, path-based interface every backend implements (like
 * distribution's storagedriver.StorageDriver). Paths are '/'-separated keys with no leading
 * slash ("blobs/sha256/ab/abcd…/data"). The registry's semantics (content addressing, uploads,
 * links, tags) live above it in ../store, so an object-store driver needs only these calls.
 * Every driver runs the one conformance suite in test/registry/storage/driver-suite.ts.
 */
import type { Readable, Writable } from 'node:stream';

export interface FileInfo {
  path: string;
  size: number;
  isDir: boolean;
  modTime: Date;
}

export interface StorageDriver {
  readonly name: string;
  /** Whole small object (manifests, links, tags); undefined when absent. */
  getContent(path: string): Promise<Buffer | undefined>;
  /** Writes a whole object atomically: readers see the old or the new content, never a mix. */
  putContent(path: string, content: Buffer): Promise<void>;
  /** Streams an object from `offset`; throws PathNotFound when absent. */
  reader(path: string, offset?: number): Promise<Readable>;
  /**
   * Appends a stream to an object (creating it), returning the new size. Used for uploads,
   * which are never visible as content until moved into place.
   */
  append(path: string, source: Readable): Promise<number>;
  /** Size, kind and time; undefined when absent. */
  stat(path: string): Promise<FileInfo | undefined>;
  /** Direct children of a directory-like prefix (names only); [] when absent. */
  list(path: string): Promise<string[]>;
  /** Atomically moves an object into place, replacing what is there. */
  move(from: string, to: string): Promise<void>;
  /** Deletes an object or a whole prefix; no error when absent. */
  delete(path: string): Promise<void>;
  /** Makes the data under `path` durable (fsync for files; a no-op where writes are durable). */
  sync?(path: string): Promise<void>;
  /**
   * Optional fast path for serving: opens the object (PathNotFound when absent, before anything
   * is written) and returns a copier of byte ranges to a writable. Drivers without it are
   * served through `reader`.
   */
  openCopier?(path: string): Promise<ObjectCopier>;
}

export interface ObjectCopier {
  size: number;
  /** Writes bytes start..end (inclusive) to `sink`; rejects if the sink closes first. */
  copyTo(sink: Writable, start: number, end: number): Promise<void>;
  close(): Promise<void>;
}

export class PathNotFoundError extends Error {
  readonly path: string;
  constructor(path: string) {
    super(`storage: path not found: ${path}`);
    this.name = 'PathNotFoundError';
    this.path = path;
  }
}
