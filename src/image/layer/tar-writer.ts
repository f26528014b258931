/**
 * The tar entry writer shared by packDirectory and packDiff: POSIX ustar headers with PAX
 * extended headers (POSIX.1-2001 pax format) for what ustar cannot hold — long or non-ASCII
 * paths, big ids/sizes, and xattrs as `SCHILY.xattr.NAME` records (image-spec/layer.md#file-attributes).
 *
 * Why not tar-stream's pack: it writes PAX values as UTF-8 strings (so binary xattr values such
 * as security.capability are corrupted), silently clamps uid/gid above 0o777777, and emits one
 * small buffer per header. Here headers and file bytes are written straight into 512 KiB chunks
 * (file bytes by readSync into the chunk: one copy), which keeps zlib/zstd fed with big writes.
 *
 * Output is deterministic: uname/gname empty, no atime/ctime records, PAX records in a fixed
 * order, fixed PAX header names.
 */
import { closeSync, constants, openSync, readSync } from 'node:fs';
import { HullError } from '../../errors.js';

export type TarType = 'file' | 'link' | 'symlink' | 'char' | 'block' | 'directory' | 'fifo';

export interface TarHeader {
  /** Relative path, no leading `./` or `/`; directories end in `/`. */
  name: string;
  type: TarType;
  /** Permission bits including setuid/setgid/sticky (the low 12 bits). */
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch. */
  mtime: number;
  /** Regular files only. */
  size?: number;
  /** Symlink target, or the archive path a hardlink points to. */
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  /** Extended attributes, written in this order as SCHILY.xattr.NAME records. */
  xattrs?: [string, Buffer][];
}

/** One archive member: a header and, for regular files, the file its bytes are read from. */
export interface TarItem {
  header: TarHeader;
  /** Absolute path of the content for `file` entries with size > 0. */
  source?: string;
}

const BLOCK = 512;
const CHUNK = 512 * 1024;
const TYPEFLAG: Record<TarType, number> = {
  file: 0x30,
  link: 0x31,
  symlink: 0x32,
  char: 0x33,
  block: 0x34,
  directory: 0x35,
  fifo: 0x36,
};
const PAX_TYPEFLAG = 0x78; // 'x'
/** Largest value of an 8-byte octal field (7 digits + NUL) and of a 12-byte one (11 digits). */
const MAX_OCTAL_7 = 0o7777777;
const MAX_OCTAL_11 = 0o77777777777;

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

function writeOctal(buf: Buffer, off: number, width: number, value: number): void {
  // width includes the trailing NUL, as GNU tar and Go's archive/tar write it.
  buf.write(value.toString(8).padStart(width - 1, '0'), off, width - 1, 'ascii');
  buf[off + width - 1] = 0;
}

/** Splits an ASCII path into ustar prefix (≤155) and name (≤100), or undefined when it cannot. */
function splitUstar(path: string): [string, string] | undefined {
  if (path.length <= 100) return ['', path];
  // Split at a '/' so that the name part is ≤100 and the prefix ≤155; a trailing '/' of a
  // directory stays with the name.
  const limit = Math.min(path.length - 2, 155);
  for (let i = limit; i > 0; i--) {
    if (path.charCodeAt(i) === 0x2f && path.length - i - 1 <= 100) return [path.slice(0, i), path.slice(i + 1)];
  }
  return undefined;
}

/** One PAX record `"%d %s=%s\n"`, where the length counts itself (POSIX pax, "pax Header Block"). */
function paxRecord(key: string, value: Buffer): Buffer {
  const body = 3 + Buffer.byteLength(key) + value.length; // ' ' '=' '\n'
  let len = body + String(body).length;
  if (String(len).length !== String(len - body).length) len = body + String(len).length;
  return Buffer.concat([Buffer.from(`${len} ${key}=`), value, Buffer.from('\n')]);
}

function ustarBlock(
  name: string,
  prefix: string,
  typeflag: number,
  mode: number,
  uid: number,
  gid: number,
  size: number,
  mtime: number,
  linkname: string,
  devmajor: number,
  devminor: number,
): Buffer {
  const b = Buffer.alloc(BLOCK);
  b.write(name, 0, 100, 'utf8');
  writeOctal(b, 100, 8, mode);
  writeOctal(b, 108, 8, uid);
  writeOctal(b, 116, 8, gid);
  writeOctal(b, 124, 12, size);
  writeOctal(b, 136, 12, mtime);
  b.fill(0x20, 148, 156); // checksum is computed with its own field as spaces
  b[156] = typeflag;
  b.write(linkname, 157, 100, 'utf8');
  b.write('ustar\u000000', 257, 8, 'ascii'); // magic "ustar\0", version "00"
  writeOctal(b, 329, 8, devmajor);
  writeOctal(b, 337, 8, devminor);
  b.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += b[i]!;
  b.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'ascii');
  return b;
}

/** The header block(s) for `h`: a PAX extended header first when ustar cannot hold everything. */
export function encodeHeader(h: TarHeader): Buffer {
  const records: Buffer[] = [];
  let name = h.name;
  let prefix = '';
  const split = isAscii(name) ? splitUstar(name) : undefined;
  if (split) [prefix, name] = split;
  else {
    records.push(paxRecord('path', Buffer.from(h.name)));
    name = asciiStub(h.name);
  }
  let linkname = h.linkname ?? '';
  if (linkname.length > 100 || !isAscii(linkname)) {
    records.push(paxRecord('linkpath', Buffer.from(linkname)));
    linkname = asciiStub(linkname);
  }
  const size = h.type === 'file' ? (h.size ?? 0) : 0;
  const numeric = (key: string, v: number, max: number): number => {
    if (Number.isInteger(v) && v >= 0 && v <= max) return v;
    records.push(paxRecord(key, Buffer.from(String(v))));
    return 0;
  };
  const uid = numeric('uid', h.uid, MAX_OCTAL_7);
  const gid = numeric('gid', h.gid, MAX_OCTAL_7);
  const sz = numeric('size', size, MAX_OCTAL_11);
  const mtime = numeric('mtime', h.mtime, MAX_OCTAL_11);
  for (const [key, value] of h.xattrs ?? []) records.push(paxRecord(`SCHILY.xattr.${key}`, value));

  const block = ustarBlock(
    name,
    prefix,
    TYPEFLAG[h.type],
    h.mode & 0o7777,
    uid,
    gid,
    sz,
    mtime,
    linkname,
    h.devmajor ?? 0,
    h.devminor ?? 0,
  );
  if (records.length === 0) return block;
  const pax = Buffer.concat(records);
  // A fixed PAX header name (Go's archive/tar style) rather than GNU tar's %d/PaxHeaders.%p,
  // which embeds the process id and would make layers irreproducible.
  const paxName = `PaxHeaders.0/${asciiStub(h.name.replace(/\/$/, '').split('/').pop() ?? '')}`.slice(0, 100);
  const paxHead = ustarBlock(paxName, '', PAX_TYPEFLAG, 0o644, 0, 0, pax.length, 0, '', 0, 0);
  const padded = Buffer.alloc(Math.ceil(pax.length / BLOCK) * BLOCK);
  pax.copy(padded);
  return Buffer.concat([paxHead, padded, block]);
}

/** A ustar-field stand-in for a path that lives in a PAX record: ASCII, at most 100 bytes. */
function asciiStub(path: string): string {
  let out = '';
  for (let i = 0; i < path.length && out.length < 100; i++) {
    const c = path.charCodeAt(i);
    out += c < 0x80 ? path[i] : '_';
  }
  return out;
}

/**
 * The archive as a sequence of ≈512 KiB chunks, read lazily: the walk behind `items` advances
 * only as the consumer pulls. File bytes are streamed with readSync into the chunk (never a whole
 * file in memory); a file that shrank while being read is an error, since its header already
 * promised the size.
 */
export function* tarChunks(items: Iterable<TarItem>): Generator<Buffer, void, undefined> {
  let buf = Buffer.allocUnsafe(CHUNK);
  let pos = 0;
  function* put(data: Buffer): Generator<Buffer, void, undefined> {
    let off = 0;
    while (off < data.length) {
      const n = Math.min(CHUNK - pos, data.length - off);
      data.copy(buf, pos, off, off + n);
      pos += n;
      off += n;
      if (pos === CHUNK) {
        yield buf;
        buf = Buffer.allocUnsafe(CHUNK);
        pos = 0;
      }
    }
  }
  function* zeros(n: number): Generator<Buffer, void, undefined> {
    while (n > 0) {
      const k = Math.min(CHUNK - pos, n);
      buf.fill(0, pos, pos + k);
      pos += k;
      n -= k;
      if (pos === CHUNK) {
        yield buf;
        buf = Buffer.allocUnsafe(CHUNK);
        pos = 0;
      }
    }
  }

  for (const item of items) {
    yield* put(encodeHeader(item.header));
    const size = item.header.type === 'file' ? (item.header.size ?? 0) : 0;
    if (size === 0) continue;
    if (!item.source) throw new Error(`tar entry ${item.header.name} has a size but no source`);
    const fd = openSync(item.source, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      let left = size;
      while (left > 0) {
        const n = readSync(fd, buf, pos, Math.min(CHUNK - pos, left), null);
        if (n === 0)
          throw new HullError(
            'FILE_CHANGED',
            `${item.source} shrank while it was being archived (${size - left} of ${size} bytes)`,
            { file: item.source },
          );
        pos += n;
        left -= n;
        if (pos === CHUNK) {
          yield buf;
          buf = Buffer.allocUnsafe(CHUNK);
          pos = 0;
        }
      }
    } finally {
      closeSync(fd);
    }
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (pad) yield* zeros(pad);
  }
  // End of archive: two zero blocks.
  yield* zeros(2 * BLOCK);
  if (pos > 0) yield buf.subarray(0, pos);
}
