/**
 * Random access to the files of an uncompressed tar (a `docker save` archive): one pass over
 * the 512-byte headers (ustar, GNU long names, pax `path`/`size`) records where each file's
 * data lies, without reading the data; files are then read as byte ranges of the tar. Symlinks
 * (older docker saves link duplicate layers) are followed within the archive.
 */
import { createReadStream } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { posix } from 'node:path';
import { Readable } from 'node:stream';
import { HullError } from '../errors.js';

interface TarEntry {
  offset: number;
  size: number;
  type: string;
  link: string;
}

function field(buf: Buffer, start: number, len: number): string {
  const raw = buf.subarray(start, start + len);
  const nul = raw.indexOf(0);
  return raw.subarray(0, nul < 0 ? raw.length : nul).toString('utf8');
}

function octal(buf: Buffer, start: number, len: number): number {
  // GNU base-256 for big files: high bit of the first byte set.
  if ((buf[start]! & 0x80) !== 0) {
    let v = 0;
    for (let i = start + 1; i < start + len; i++) v = v * 256 + buf[i]!;
    return v;
  }
  const s = field(buf, start, len).trim();
  return s ? Number.parseInt(s, 8) : 0;
}

function parsePax(data: string): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < data.length) {
    const sp = data.indexOf(' ', i);
    if (sp < 0) break;
    const len = Number(data.slice(i, sp));
    if (!len) break;
    const rec = data.slice(sp + 1, i + len - 1);
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}

export class TarIndex {
  private constructor(
    readonly file: string,
    private readonly entries: Map<string, TarEntry>,
  ) {}

  static async open(file: string): Promise<TarIndex> {
    const entries = new Map<string, TarEntry>();
    let fh: FileHandle;
    try {
      fh = await open(file, 'r');
    } catch (err) {
      throw new HullError('ARCHIVE_UNKNOWN', `cannot open ${file}: ${(err as Error).message}`, { file, cause: err });
    }
    try {
      const header = Buffer.alloc(512);
      let pos = 0;
      let longName: string | undefined;
      let pax: Record<string, string> = {};
      for (;;) {
        const { bytesRead } = await fh.read(header, 0, 512, pos);
        if (bytesRead < 512 || header.every((b) => b === 0)) break;
        if (pos === 0 && header[0] === 0x1f && header[1] === 0x8b)
          throw new HullError('ARCHIVE_INVALID', `${file} is gzip-compressed; decompress it first (gunzip)`, { file });
        if (field(header, 257, 5) !== 'ustar' && pos === 0)
          throw new HullError('ARCHIVE_INVALID', `${file} is not a tar archive`, { file });
        const type = String.fromCharCode(header[156] || 0x30);
        let size = octal(header, 124, 12);
        if (pax.size) size = Number(pax.size);
        const dataStart = pos + 512;
        const readData = async () => {
          const b = Buffer.alloc(size);
          await fh.read(b, 0, size, dataStart);
          return b;
        };
        if (type === 'L') longName = (await readData()).toString('utf8').replace(/\0+$/, '');
        else if (type === 'x') pax = parsePax((await readData()).toString('utf8'));
        else if (type === 'g') {
          // global pax header: nothing we need
        } else {
          const prefix = field(header, 345, 155);
          let name = pax.path ?? longName ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100));
          name = posix
            .normalize(name)
            .replace(/^(\.\/)+/, '')
            .replace(/\/$/, '');
          const link = pax.linkpath ?? field(header, 157, 100);
          entries.set(name, { offset: dataStart, size, type, link });
          longName = undefined;
          pax = {};
        }
        pos = dataStart + Math.ceil(size / 512) * 512;
      }
    } finally {
      await fh.close();
    }
    return new TarIndex(file, entries);
  }

  /** The regular file at `name`, following symlinks and hard links inside the archive. */
  private lookup(name: string): TarEntry {
    let current = posix.normalize(name).replace(/^(\.\/)+/, '');
    for (let hops = 0; hops < 16; hops++) {
      const e = this.entries.get(current);
      if (!e) break;
      if (e.type === '0' || e.type === '7' || e.type === '\0') return e;
      if (e.type === '2') current = posix.normalize(posix.join(posix.dirname(current), e.link));
      else if (e.type === '1') current = posix.normalize(e.link);
      else break;
    }
    throw new HullError('ARCHIVE_INVALID', `${this.file}: no file '${name}' in the archive`, { file: this.file });
  }

  has(name: string): boolean {
    try {
      this.lookup(name);
      return true;
    } catch {
      return false;
    }
  }

  size(name: string): number {
    return this.lookup(name).size;
  }

  async read(name: string): Promise<Buffer> {
    const e = this.lookup(name);
    const fh = await open(this.file, 'r');
    try {
      const b = Buffer.alloc(e.size);
      await fh.read(b, 0, e.size, e.offset);
      return b;
    } finally {
      await fh.close();
    }
  }

  stream(name: string): Readable {
    const e = this.lookup(name);
    if (e.size === 0) return Readable.from([]);
    return createReadStream(this.file, { start: e.offset, end: e.offset + e.size - 1 });
  }
}
