/**
 * oci-archive: an image layout in a tar file (image-spec/image-layout.md: "This layout MAY be
 * used in a variety of different transport mechanisms: archive formats (e.g. tar...)").
 * Reading extracts into a temp dir, refusing entries that would land outside it; writing
 * extends the existing archive's layout (so tags accumulate, as with skopeo), then writes the
 * new tar beside FILE and renames it over FILE, leaving the original untouched on any error.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar-stream';
import { HullError, isErrno } from '../errors.js';
import { fsyncDir, TEMP_PREFIX } from '../image/layout/fs-util.js';
import { ImageLayout } from '../image/layout/layout.js';

export type ArchiveMode = 'read' | 'write';

export async function withArchiveLayout<T>(
  file: string,
  mode: ArchiveMode,
  fn: (layout: ImageLayout) => Promise<T>,
): Promise<T> {
  const work = await mkdtemp(join(tmpdir(), 'hull-oci-archive-'));
  try {
    const dir = join(work, 'layout');
    const existing = await archiveExists(file, mode);
    if (existing) await extractArchive(file, dir);
    let layout: ImageLayout;
    try {
      layout = mode === 'write' && !existing ? await ImageLayout.create(dir) : await ImageLayout.open(dir);
    } catch (err) {
      if (!(err instanceof HullError)) throw err;
      throw new HullError('ARCHIVE_INVALID', `${file} is not an OCI archive: ${err.message}`, {
        file,
        section: err.section,
        cause: err,
      });
    }
    const result = await fn(layout);
    if (mode === 'write') await writeArchive(layout.dir, file);
    return result;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function archiveExists(file: string, mode: ArchiveMode): Promise<boolean> {
  try {
    if (!(await stat(file)).isFile()) throw new HullError('ARCHIVE_INVALID', `${file} is not a regular file`, { file });
    return true;
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
    if (mode === 'write') return false;
    throw new HullError('ARCHIVE_UNKNOWN', `OCI archive ${file} does not exist`, { file, cause: err });
  }
}

/** A tar entry name as a safe relative path, or an error: no absolute paths, no `..`. */
function entryPath(file: string, name: string): string {
  const bad = (why: string) => new HullError('ARCHIVE_INVALID', `${file}: tar entry '${name}' ${why}`, { file });
  if (name.startsWith('/')) throw bad('is an absolute path');
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw bad("contains '..'");
  return parts.join('/');
}

/** Extracts the archive (plain tar, or gzip'd tar) into `dir`: regular files and directories only. */
export async function extractArchive(file: string, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const extract = tar.extract();
  const input = await openTar(file);
  const reading = pipeline(input, extract);
  try {
    for await (const entry of extract) {
      const { name, type } = entry.header;
      const rel = entryPath(file, name);
      if (type === 'directory') {
        if (rel) await mkdir(join(dir, rel), { recursive: true });
        entry.resume();
      } else if (type === 'file' || type === 'contiguous-file') {
        if (!rel) throw new HullError('ARCHIVE_INVALID', `${file}: file entry with an empty name`, { file });
        await mkdir(dirname(join(dir, rel)), { recursive: true });
        await pipeline(entry, createWriteStream(join(dir, rel), { mode: 0o644 }));
      } else {
        // A layout holds only files and directories; links could point outside the temp dir.
        throw new HullError(
          'ARCHIVE_INVALID',
          `${file}: tar entry '${name}' is a ${type}; an OCI archive holds only files and directories`,
          {
            file,
          },
        );
      }
    }
    await reading;
  } catch (err) {
    input.destroy();
    await reading.catch(() => undefined);
    if (err instanceof HullError) throw err;
    throw new HullError('ARCHIVE_INVALID', `${file}: cannot read the archive: ${(err as Error).message}`, {
      file,
      cause: err,
    });
  }
}

/** The archive as a tar stream; skopeo writes plain tar, but a gzip'd one is accepted too. */
async function openTar(file: string): Promise<Readable> {
  const handle = await open(file, 'r');
  let magic: Buffer;
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(2), 0, 2, 0);
    magic = buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  const raw = createReadStream(file);
  if (magic.length < 2 || magic[0] !== 0x1f || magic[1] !== 0x8b) return raw;
  const gunzip = createGunzip();
  raw.on('error', (e) => gunzip.destroy(e));
  return raw.pipe(gunzip);
}

/** Files of the layout in a stable order (directories before their contents), skipping temp files. */
async function listLayout(dir: string, rel = ''): Promise<Array<{ rel: string; dir: boolean }>> {
  const out: Array<{ rel: string; dir: boolean }> = [];
  const entries = (await readdir(join(dir, rel), { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const e of entries) {
    if (e.name.startsWith(TEMP_PREFIX)) continue;
    const path = rel ? posix.join(rel, e.name) : e.name;
    if (e.isDirectory()) {
      out.push({ rel: path, dir: true });
      out.push(...(await listLayout(dir, path)));
    } else if (e.isFile()) out.push({ rel: path, dir: false });
  }
  return out;
}

async function writeArchive(dir: string, file: string): Promise<void> {
  const tmp = join(dirname(file), `.${basename(file)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    const handle = await open(tmp, 'wx', 0o644);
    try {
      const pack = tar.pack();
      // Drain the pack into the file while entries are added (tar-stream packs are streamx streams).
      const writing = (async () => {
        for await (const chunk of pack) await handle.write(chunk as Buffer);
      })();
      writing.catch((err) => pack.destroy(err));
      try {
        await addEntries(pack, dir);
        pack.finalize();
      } catch (err) {
        pack.destroy(err as Error);
        throw err;
      }
      await writing;
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await fsyncDir(dirname(file));
}

async function addEntries(pack: tar.Pack, dir: string): Promise<void> {
  // Fixed owner and time: the same layout always makes the same archive.
  const common = { uid: 0, gid: 0, mtime: new Date(0) };
  for (const entry of await listLayout(dir)) {
    if (entry.dir) {
      pack.entry({ ...common, name: `${entry.rel}/`, type: 'directory', mode: 0o755 });
      continue;
    }
    const path = join(dir, entry.rel);
    const { size } = await stat(path);
    await writeEntry(pack, { ...common, name: entry.rel, type: 'file', mode: 0o644, size }, path);
  }
}

/**
 * Streams one file into the pack. tar-stream's entry sinks are streamx streams, which node's
 * stream.pipeline does not see finish; write by hand and wait for the entry's callback.
 */
async function writeEntry(pack: tar.Pack, header: Parameters<tar.Pack['entry']>[0], path: string): Promise<void> {
  let sink!: ReturnType<tar.Pack['entry']>;
  const done = new Promise<void>((resolve, reject) => {
    sink = pack.entry(header, (err) => (err ? reject(err) : resolve()));
  });
  done.catch(() => undefined); // awaited below; this only keeps an early failure from being 'unhandled'
  for await (const chunk of createReadStream(path)) {
    // Wait for room, or for the entry to fail (the pack destroyed by a write error).
    if (!sink.write(chunk as Buffer))
      await Promise.race([new Promise<void>((resolve) => sink.once('drain', () => resolve())), done]);
  }
  sink.end(undefined);
  await done;
}
