/**
 * Blob uploads (spec.md#pushing-blobs): content is staged under `_uploads/<id>/data` and becomes a
 * blob only through BlobStore.promote after the whole content was hashed and matched the digest
 * the client named, so no crash or bad client can make unverified bytes visible as a blob.
 *
 * Chunked uploads hash on commit by re-reading the staged file (Node cannot serialise a hash
 * state, and a resumable session may outlive the process). Monolithic pushes hash while
 * streaming, so they read the bytes once.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { type DigestAlgorithm, Digester, parseDigest } from '../../oci/digest.js';
import { RegistryError } from '../api/errors.js';
import type { StorageDriver } from '../storage/driver.js';
import type { BlobStore } from './blobs.js';
import { checkDigest, checkRepo, UPLOAD_ID_RE } from './checks.js';
import { KeyedMutex } from './keyed-mutex.js';
import { uploadData, uploadDir, uploadStartedAt } from './layout.js';
import type { BlobInfo, UploadState } from './types.js';

/** Sessions whose running hash is kept in memory at once; beyond that the oldest is forgotten. */
const MAX_RUNNING_HASHES = 256;

export class UploadStore {
  private readonly locks = new KeyedMutex();
  /**
   * sha256 of each session's staged bytes so far, updated as chunks arrive, so commit need not
   * read the whole upload back (a multi-GiB layer would otherwise stall its PUT for seconds).
   * Only a cache: a session resumed after a restart, or committed with another algorithm, is
   * hashed from the staged file as before; every entry is checked against the staged size.
   */
  private readonly running = new Map<string, Digester>();

  constructor(
    private readonly driver: StorageDriver,
    private readonly blobs: BlobStore,
  ) {}

  async startUpload(repo: string): Promise<UploadState> {
    checkRepo(repo);
    const id = randomUUID();
    const startedAt = new Date();
    // data first: an upload is known by its startedat, so a crash between leaves only a data
    // file gc's upload purge removes.
    await this.driver.putContent(uploadData(repo, id), Buffer.alloc(0));
    await this.driver.putContent(uploadStartedAt(repo, id), Buffer.from(startedAt.toISOString()));
    return { id, repository: repo, size: 0, startedAt };
  }

  async getUpload(repo: string, id: string): Promise<UploadState | undefined> {
    checkRepo(repo);
    if (!UPLOAD_ID_RE.test(id)) return undefined;
    const started = await this.driver.getContent(uploadStartedAt(repo, id));
    if (!started) return undefined;
    const data = await this.driver.stat(uploadData(repo, id));
    // A session always has its data file (startUpload writes it first; commit ends the session
    // before moving the data): without one it is no session a client could resume.
    if (!data || data.isDir) return undefined;
    const startedAt = new Date(started.toString('utf8').trim());
    return {
      id,
      repository: repo,
      size: data.size,
      startedAt: Number.isNaN(startedAt.getTime()) ? new Date(0) : startedAt,
    };
  }

  async appendUpload(repo: string, id: string, offset: number, chunk: Readable): Promise<UploadState> {
    return this.locks.run(`${repo}\0${id}`, async () => {
      const state = await this.requireUpload(repo, id);
      // spec.md#pushing-a-blob-in-chunks: out-of-order chunks are 416, and nothing is appended.
      if (offset !== state.size)
        throw new RegistryError('RANGE_INVALID', `chunk starts at ${offset}, but the upload has ${state.size} bytes`, {
          offset,
          size: state.size,
        });
      const key = `${repo}\0${id}`;
      let digester = this.running.get(key);
      this.running.delete(key);
      if (digester?.size !== offset) digester = offset === 0 ? new Digester('sha256') : undefined;
      const source = digester ? Readable.from(hashing(chunk, digester)) : chunk;
      const size = await this.driver.append(uploadData(repo, id), source);
      // A chunk cut short may have been hashed further than it was written: then forget the hash.
      if (digester && digester.size === size) this.remember(key, digester);
      return { ...state, size };
    });
  }

  private remember(key: string, digester: Digester): void {
    if (this.running.size >= MAX_RUNNING_HASHES) this.running.delete(this.running.keys().next().value!);
    this.running.set(key, digester);
  }

  async commitUpload(repo: string, id: string, digest: string, size?: number): Promise<BlobInfo> {
    checkDigest(digest);
    return this.locks.run(`${repo}\0${id}`, async () => {
      const state = await this.requireUpload(repo, id);
      try {
        if (size !== undefined && size !== state.size)
          throw new RegistryError('SIZE_INVALID', `upload has ${state.size} bytes, not ${size}`, { size: state.size });
        const key = `${repo}\0${id}`;
        const running = this.running.get(key);
        this.running.delete(key);
        const algorithm = parseDigest(digest).algorithm;
        const actual =
          running && running.algorithm === algorithm && running.size === state.size
            ? { digest: running.digest(), size: running.size }
            : await this.hashStaged(uploadData(repo, id), algorithm);
        if (actual.digest !== digest)
          throw new RegistryError('DIGEST_INVALID', `uploaded content has digest ${actual.digest}, not ${digest}`, {
            digest,
          });
        // End the session before its data moves: a crash in between must leave an unknown
        // session (the client starts over), never one that reports 0 bytes after the client
        // was told it had them all (spec.md end-13 "Range" is what clients resume from).
        await this.driver.delete(uploadStartedAt(repo, id));
        await this.blobs.promote(repo, uploadData(repo, id), digest);
        return { digest, size: actual.size };
      } finally {
        // Success or mismatch, the session is over (types.ts: a mismatch removes the upload).
        await this.driver.delete(uploadDir(repo, id));
      }
    });
  }

  async cancelUpload(repo: string, id: string): Promise<boolean> {
    checkRepo(repo);
    if (!UPLOAD_ID_RE.test(id)) return false;
    return this.locks.run(`${repo}\0${id}`, async () => {
      this.running.delete(`${repo}\0${id}`);
      if (!(await this.driver.stat(uploadDir(repo, id)))) return false;
      await this.driver.delete(uploadDir(repo, id));
      return true;
    });
  }

  async putBlob(repo: string, digest: string, content: Readable, size?: number): Promise<BlobInfo> {
    checkRepo(repo);
    checkDigest(digest);
    // Staged like any upload, so a crash mid-stream leaves only what gc's upload purge removes.
    const id = randomUUID();
    const digester = new Digester(parseDigest(digest).algorithm);
    try {
      await this.driver.putContent(uploadStartedAt(repo, id), Buffer.from(new Date().toISOString()));
      const written = await this.driver.append(uploadData(repo, id), Readable.from(hashing(content, digester, size)));
      if (size !== undefined && written !== size)
        throw new RegistryError('SIZE_INVALID', `received ${written} bytes, not ${size}`, { size: written });
      const actual = digester.digest();
      if (written !== digester.size || actual !== digest)
        throw new RegistryError('DIGEST_INVALID', `content has digest ${actual}, not ${digest}`, { digest });
      await this.blobs.promote(repo, uploadData(repo, id), digest);
      return { digest, size: written };
    } finally {
      await this.driver.delete(uploadDir(repo, id));
    }
  }

  private async requireUpload(repo: string, id: string): Promise<UploadState> {
    const state = await this.getUpload(repo, id);
    if (!state) throw new RegistryError('BLOB_UPLOAD_UNKNOWN', undefined, { id });
    return state;
  }

  private async hashStaged(path: string, algorithm: DigestAlgorithm): Promise<{ digest: string; size: number }> {
    const digester = new Digester(algorithm);
    for await (const chunk of await this.driver.reader(path)) digester.update(chunk as Buffer);
    return { digest: digester.digest(), size: digester.size };
  }
}

/** Passes `source` through, digesting it, and stops as soon as it runs past `limit` bytes. */
async function* hashing(source: Readable, digester: Digester, limit?: number): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    digester.update(buf);
    if (limit !== undefined && digester.size > limit)
      throw new RegistryError('SIZE_INVALID', `content is longer than the ${limit} bytes declared`);
    yield buf;
  }
}
