/**
 * The registry's storage semantics, above a StorageDriver: blobs content-addressed and shared by
 * all repositories, per-repository links (a repository only serves blobs pushed or mounted into
 * it), manifests, tags, referrers and uploads. HTTP handlers (../server) call only this.
 */
import type { Readable } from 'node:stream';
import type { Descriptor } from '../../oci/types.js';
import type { ObjectCopier } from '../storage/driver.js';

export interface BlobInfo {
  digest: string;
  size: number;
}

export interface UploadState {
  id: string;
  repository: string;
  /** Bytes received so far: the next chunk must start here (spec.md#pushing-a-blob-in-chunks). */
  size: number;
  startedAt: Date;
}

export interface StoredManifest {
  digest: string;
  mediaType: string;
  bytes: Buffer;
}

export interface RegistryStore {
  // Repositories
  /** Sorted repository names, from after `last`, at most `n` (spec's /v2/_catalog, as distribution). */
  listRepositories(opts?: { n?: number; last?: string }): Promise<string[]>;
  repositoryExists(repo: string): Promise<boolean>;

  // Blobs
  /** The blob if it is linked into `repo` (and present). */
  statBlob(repo: string, digest: string): Promise<BlobInfo | undefined>;
  /** Content from byte `start` to `end` inclusive (default: all), verified by the caller if needed. */
  readBlob(repo: string, digest: string, range?: { start: number; end: number }): Promise<Readable>;
  /**
   * Optional serving fast path: the blob opened for copying ranges to a response (BLOB_UNKNOWN
   * when absent); undefined when the store only offers readBlob.
   */
  openBlobCopier?(repo: string, digest: string): Promise<ObjectCopier | undefined>;
  /** Links an existing blob into `repo` (cross-repository mount); false when `from` does not have it. */
  mountBlob(repo: string, digest: string, from: string): Promise<boolean>;
  /** Unlinks a blob from `repo` (the content stays until gc). */
  deleteBlob(repo: string, digest: string): Promise<boolean>;

  // Uploads
  startUpload(repo: string): Promise<UploadState>;
  getUpload(repo: string, id: string): Promise<UploadState | undefined>;
  /**
   * Appends a chunk at `offset` (must equal the current size: else RegistryError RANGE_INVALID,
   * nothing appended); returns the new state.
   */
  appendUpload(repo: string, id: string, offset: number, chunk: Readable): Promise<UploadState>;
  /**
   * Finishes an upload: verifies the whole content against `digest` (and `size` when given),
   * moves it into the blob store atomically and links it into the repo. A mismatch is
   * RegistryError DIGEST_INVALID / SIZE_INVALID and the upload is removed.
   */
  commitUpload(repo: string, id: string, digest: string, size?: number): Promise<BlobInfo>;
  cancelUpload(repo: string, id: string): Promise<boolean>;
  /** Monolithic push: stream straight to a verified blob (POST ?digest= and PUT of a whole blob). */
  putBlob(repo: string, digest: string, content: Readable, size?: number): Promise<BlobInfo>;

  // Manifests and tags
  /** By tag or digest. */
  getManifest(repo: string, reference: string): Promise<StoredManifest | undefined>;
  /**
   * Stores a manifest (already validated by the caller, every referenced blob checked present),
   * links it, tags it when `tag` is given, and indexes it as a referrer of its subject.
   */
  putManifest(
    repo: string,
    manifest: StoredManifest,
    opts?: { tag?: string; subject?: string; artifactType?: string; annotations?: Record<string, string> },
  ): Promise<void>;
  /** Deletes a manifest by digest (and every tag pointing to it), or one tag by name. */
  deleteManifest(repo: string, reference: string): Promise<boolean>;
  /** Sorted tags after `last`, at most `n`. */
  listTags(repo: string, opts?: { n?: number; last?: string }): Promise<string[]>;
  /** Descriptors of manifests whose subject is `digest`, filtered by artifactType when given. */
  referrers(repo: string, digest: string, artifactType?: string): Promise<Descriptor[]>;
}
