/**
 * createRegistryStore: the RegistryStore (types.ts) over any StorageDriver, assembled from the
 * blob, upload and manifest parts. The layout is in layout.ts; what a crash or a concurrent gc
 * can and cannot leave behind is argued in blobs.ts, uploads.ts, manifests.ts and ../gc.ts.
 */
import type { StorageDriver } from '../storage/driver.js';
import { BlobStore, type BlobStoreOptions } from './blobs.js';
import { checkRepo } from './checks.js';
import { ManifestStore } from './manifests.js';
import { listRepositories, repositoryExists } from './repositories.js';
import type { RegistryStore } from './types.js';
import { UploadStore } from './uploads.js';

export type RegistryStoreOptions = BlobStoreOptions;

export function createRegistryStore(driver: StorageDriver, opts: RegistryStoreOptions = {}): RegistryStore {
  const blobs = new BlobStore(driver, opts);
  const uploads = new UploadStore(driver, blobs);
  const manifests = new ManifestStore(driver);
  return {
    listRepositories: (o) => listRepositories(driver, o),
    repositoryExists: async (repo) => {
      checkRepo(repo);
      return repositoryExists(driver, repo);
    },
    statBlob: (repo, digest) => blobs.statBlob(repo, digest),
    readBlob: (repo, digest, range) => blobs.readBlob(repo, digest, range),
    openBlobCopier: (repo, digest) => blobs.openBlobCopier(repo, digest),
    mountBlob: (repo, digest, from) => blobs.mountBlob(repo, digest, from),
    deleteBlob: (repo, digest) => blobs.deleteBlob(repo, digest),
    startUpload: (repo) => uploads.startUpload(repo),
    getUpload: (repo, id) => uploads.getUpload(repo, id),
    appendUpload: (repo, id, offset, chunk) => uploads.appendUpload(repo, id, offset, chunk),
    commitUpload: (repo, id, digest, size) => uploads.commitUpload(repo, id, digest, size),
    cancelUpload: (repo, id) => uploads.cancelUpload(repo, id),
    putBlob: (repo, digest, content, size) => uploads.putBlob(repo, digest, content, size),
    getManifest: (repo, reference) => manifests.getManifest(repo, reference),
    putManifest: (repo, manifest, o) => manifests.putManifest(repo, manifest, o),
    deleteManifest: (repo, reference) => manifests.deleteManifest(repo, reference),
    listTags: (repo, o) => manifests.listTags(repo, o),
    referrers: (repo, digest, artifactType) => manifests.referrers(repo, digest, artifactType),
  };
}
