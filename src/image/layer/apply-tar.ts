/**
 * A synchronous, push-driven tar reader for layer changesets (image-spec layer.md#distributable-format:
 * POSIX ustar with PAX and GNU long-name extensions). Chunks are pushed as they come out of the
 * decompressor and entries are handed to a sink without per-entry streams or promises: layer
 * extraction is dominated by per-entry overhead, and a sync reader also makes every limit
 * (header sizes, total bytes) an immediate, clean error instead of a stalled stream.
 *
 * File data is never accumulated: a file whose whole body is inside the current chunk is handed
 * over as one slice (the common small-file case: one native call creates it); a larger one is
 * streamed to the sink piece by piece.
 */
import { HullError } from '../../errors.js';

export type EntryType = 'file' | 'dir' | 'symlink' | 'link' | 'char' | 'block' | 'fifo';

export interface TarEntry {
  /** Path as recorded (PAX `path`, GNU long name, or ustar prefix/name). */
  name: string;
  type: EntryType;
  linkname: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtimeSec: number;
  mtimeNsec: number;
  devmajor: number;
  devminor: number;
  /** From PAX `SCHILY.xattr.NAME` (and `LIBARCHIVE.xattr.NAME`) records. */
  xattrs: Map<string, Buffer> | undefined;
}

export interface TarSink {
  /** body is the whole data when it is available at once (always for size 0); otherwise data() follows. */
  entry(entry: TarEntry, body: Buffer | undefined): void;
  data(chunk: Buffer): void;
  /** End of a streamed body. */
  end(): void;
}

export interface TarReaderOptions {
  /** Bound on total tar bytes read (the uncompressed layer size). */
  maxBytes: number;
  /** Names the layer in errors. */
  label: string;
}

const BLOCK = 512;
/** PAX and GNU long-name records are metadata; anything beyond this is hostile. */
const MAX_META = 1 << 20;
const SECTION = 'image-spec/layer.md#distributable-format';

// Plain constants, not an enum: an enum's members are property loads, and the first run of a
// switch case that loads one (the end of a layer) deoptimizes the reader's compiled code.
const HEADER = 0;
const BODY = 1;
const META = 2;
const SKIP = 3;
const DONE = 4;
type State = typeof HEADER | typeof BODY | typeof META | typeof SKIP | typeof DONE;

export class TarReader {
  private state: State = HEADER;
  private readonly header = Buffer.alloc(BLOCK);
  private headerFill = 0;
  /** Bytes of the current body still to come, and padding after it. */
  private remaining = 0;
  private padding = 0;
  private meta: Buffer[] = [];
  private metaType = '';
  private pax: Map<string, Buffer> | undefined;
  private longName: string | undefined;
  private longLink: string | undefined;
  private total = 0;
  private entryName = '';

  constructor(
    private readonly sink: TarSink,
    private readonly opts: TarReaderOptions,
  ) {}

  /** Total bytes pushed so far. */
  get bytes(): number {
    return this.total;
  }

  push(chunk: Buffer): void {
    this.total += chunk.length;
    if (this.total > this.opts.maxBytes) {
      throw new HullError(
        'LAYER_TOO_LARGE',
        `layer ${this.opts.label}: more than ${this.opts.maxBytes} bytes uncompressed (maxBytes)`,
        { file: this.opts.label, section: 'image-spec/considerations.md' },
      );
    }
    let off = 0;
    while (off < chunk.length) {
      switch (this.state) {
        case HEADER: {
          if (this.headerFill === 0 && chunk.length - off >= BLOCK) {
            this.onHeader(chunk.subarray(off, off + BLOCK), chunk, off + BLOCK);
            off += BLOCK;
          } else {
            const n = Math.min(BLOCK - this.headerFill, chunk.length - off);
            chunk.copy(this.header, this.headerFill, off, off + n);
            this.headerFill += n;
            off += n;
            if (this.headerFill === BLOCK) {
              this.headerFill = 0;
              this.onHeader(this.header, chunk, off);
            }
          }
          break;
        }
        case BODY: {
          const n = Math.min(this.remaining, chunk.length - off);
          if (n > 0) this.sink.data(chunk.subarray(off, off + n));
          off += n;
          this.remaining -= n;
          if (this.remaining === 0) {
            this.sink.end();
            this.state = SKIP;
            this.remaining = this.padding;
          }
          break;
        }
        case META: {
          const n = Math.min(this.remaining, chunk.length - off);
          this.meta.push(Buffer.from(chunk.subarray(off, off + n)));
          off += n;
          this.remaining -= n;
          if (this.remaining === 0) {
            this.onMeta(Buffer.concat(this.meta));
            this.meta = [];
            this.state = SKIP;
            this.remaining = this.padding;
          }
          break;
        }
        case SKIP: {
          const n = Math.min(this.remaining, chunk.length - off);
          off += n;
          this.remaining -= n;
          if (this.remaining === 0) this.state = HEADER;
          break;
        }
        case DONE:
          // Trailing blocks after the end-of-archive marker (tar pads to its record size).
          return;
      }
    }
    // A body that ends exactly at the chunk's end with no padding: settle state now so
    // finish() sees a clean boundary.
    if (this.state === SKIP && this.remaining === 0) this.state = HEADER;
  }

  /** The input ended: anything but a header boundary is a truncated layer. */
  finish(): void {
    if (this.state === DONE) return;
    // No end-of-archive blocks at a header boundary: accepted, as Go's archive/tar (umoci) does.
    if (this.state === HEADER && this.headerFill === 0) return;
    throw this.invalid(`truncated tar (input ended inside ${this.entryName ? `'${this.entryName}'` : 'a header'})`);
  }

  private invalid(msg: string): HullError {
    return new HullError('LAYER_INVALID', `layer ${this.opts.label}: ${msg}`, {
      file: this.opts.label,
      section: SECTION,
    });
  }

  /** Reads the body of the entry that starts at `chunk[off]` into the state machine. */
  private startBody(size: number): void {
    this.remaining = size;
    this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
  }

  private onHeader(h: Buffer, chunk: Buffer, off: number): void {
    if (isZero(h)) {
      // End-of-archive: one zero block is enough for us (GNU tar writes two).
      this.state = DONE;
      return;
    }
    if (!checksumOk(h)) throw this.invalid('tar header checksum mismatch (not a tar, or corrupt)');
    const flag = String.fromCharCode(h[156] ?? 0);
    const size = this.num(h, 124, 12, 'size');
    if (size > this.opts.maxBytes) {
      throw new HullError(
        'LAYER_TOO_LARGE',
        `layer ${this.opts.label}: entry '${cstr(h, 0, 100)}' claims ${size} bytes, more than maxBytes ${this.opts.maxBytes}`,
        { file: this.opts.label, section: 'image-spec/considerations.md' },
      );
    }
    switch (flag) {
      case 'x':
      case 'g':
      case 'L':
      case 'K': {
        if (size > MAX_META) throw this.invalid(`'${flag}' metadata record of ${size} bytes is too large`);
        this.metaType = flag;
        this.startBody(size);
        this.state = size === 0 ? SKIP : META;
        if (size === 0) this.onMeta(Buffer.alloc(0));
        return;
      }
      default:
        break;
    }
    const entry = this.parseEntry(h, flag, size);
    this.entryName = entry.name;
    // Only regular files carry data we keep; other bodies (rare: hardlinks with data) are skipped.
    const dataSize = entry.type === 'file' ? entry.size : 0;
    this.startBody(size);
    if (dataSize === 0) {
      this.sink.entry(entry, EMPTY);
      this.state = SKIP;
      if (this.remaining === 0) this.state = HEADER;
    } else if (chunk.length - off >= dataSize) {
      this.sink.entry(entry, chunk.subarray(off, off + dataSize));
      // The body is consumed from the chunk by the Skip state (no copy, no second pass).
      this.state = SKIP;
      this.remaining = size + this.padding;
    } else {
      this.sink.entry(entry, undefined);
      this.state = BODY;
    }
  }

  private parseEntry(h: Buffer, flag: string, size: number): TarEntry {
    const pax = this.pax;
    this.pax = undefined;
    let name = this.longName;
    this.longName = undefined;
    let linkname = this.longLink;
    this.longLink = undefined;
    if (name === undefined) {
      name = cstr(h, 0, 100);
      // ustar ("ustar\0") joins prefix/name; old GNU ("ustar  ") uses that area for other fields.
      if (h[345] !== 0 && isUstar(h)) {
        const prefix = cstr(h, 345, 155);
        if (prefix) name = `${prefix}/${name}`;
      }
    }
    // (Most entries have none: no string made for them.)
    if (linkname === undefined) linkname = h[157] === 0 ? '' : cstr(h, 157, 100);
    let type: EntryType;
    switch (flag) {
      case '0':
      case '\0':
      case '7':
        type = 'file';
        break;
      case '1':
        type = 'link';
        break;
      case '2':
        type = 'symlink';
        break;
      case '3':
        type = 'char';
        break;
      case '4':
        type = 'block';
        break;
      case '5':
        type = 'dir';
        break;
      case '6':
        type = 'fifo';
        break;
      case 'S':
        throw this.invalid(
          `'${name}': GNU sparse entries are not supported (layer.md: sparse files SHOULD NOT be used)`,
        );
      default:
        throw this.invalid(`'${name}': unsupported tar entry type '${flag.replace(/[^\x20-\x7e]/g, '?')}'`);
    }
    // Old tars mark directories only with a trailing slash.
    if (type === 'file' && name.endsWith('/')) type = 'dir';
    const entry: TarEntry = {
      name,
      type,
      linkname,
      mode: this.num(h, 100, 8, 'mode') & 0o7777,
      uid: this.num(h, 108, 8, 'uid'),
      gid: this.num(h, 116, 8, 'gid'),
      size,
      mtimeSec: this.num(h, 136, 12, 'mtime', true),
      mtimeNsec: 0,
      devmajor: type === 'char' || type === 'block' ? this.num(h, 329, 8, 'devmajor') : 0,
      devminor: type === 'char' || type === 'block' ? this.num(h, 337, 8, 'devminor') : 0,
      xattrs: undefined,
    };
    if (pax) this.applyPax(entry, pax);
    if (entry.size > this.opts.maxBytes) {
      throw new HullError(
        'LAYER_TOO_LARGE',
        `layer ${this.opts.label}: entry '${entry.name}' claims ${entry.size} bytes, more than maxBytes ${this.opts.maxBytes}`,
        { file: this.opts.label, section: 'image-spec/considerations.md' },
      );
    }
    if (entry.size !== size) throw this.invalid(`'${entry.name}': PAX size differs from the header's size`);
    return entry;
  }

  private applyPax(entry: TarEntry, pax: Map<string, Buffer>): void {
    for (const [key, value] of pax) {
      const str = (): string => value.toString('utf8');
      if (key === 'path') entry.name = str();
      else if (key === 'linkpath') entry.linkname = str();
      else if (key === 'size') entry.size = this.paxInt(key, str());
      else if (key === 'uid') entry.uid = this.paxInt(key, str());
      else if (key === 'gid') entry.gid = this.paxInt(key, str());
      else if (key === 'mtime') {
        const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(str());
        if (!m) throw this.invalid(`'${entry.name}': bad PAX mtime '${str()}'`);
        let sec = Number(m[2]);
        let nsec = Number((m[3] ?? '').slice(0, 9).padEnd(9, '0'));
        if (m[1] === '-') {
          sec = -sec;
          if (nsec > 0) {
            sec -= 1;
            nsec = 1e9 - nsec;
          }
        }
        if (!Number.isSafeInteger(sec)) throw this.invalid(`'${entry.name}': PAX mtime out of range`);
        entry.mtimeSec = sec;
        entry.mtimeNsec = nsec;
      } else if (key.startsWith('SCHILY.xattr.')) {
        entry.xattrs ??= new Map();
        entry.xattrs.set(key.slice('SCHILY.xattr.'.length), value);
      } else if (key.startsWith('LIBARCHIVE.xattr.')) {
        // libarchive: URL-encoded name, base64 value.
        entry.xattrs ??= new Map();
        entry.xattrs.set(decodeURIComponent(key.slice('LIBARCHIVE.xattr.'.length)), Buffer.from(str(), 'base64'));
      } else if (key.startsWith('GNU.sparse.')) {
        throw this.invalid(`'${entry.name}': PAX sparse files are not supported (layer.md: SHOULD NOT be used)`);
      }
      // atime, ctime, uname, gname, comment, charset...: not applied (layer.md#file-attributes
      // says uname/gname are ignored where uid/gid exist).
    }
  }

  private paxInt(key: string, v: string): number {
    if (!/^\d{1,16}$/.test(v) || !Number.isSafeInteger(Number(v))) throw this.invalid(`bad PAX ${key} '${v}'`);
    return Number(v);
  }

  private onMeta(body: Buffer): void {
    const type = this.metaType;
    if (type === 'L' || type === 'K') {
      const s = cstr(body, 0, body.length);
      if (type === 'L') this.longName = s;
      else this.longLink = s;
      return;
    }
    if (type === 'g') return; // global PAX headers carry nothing a layer applier needs
    this.pax = parsePax(body, (m) => this.invalid(m));
  }

  /** Octal (NUL/space terminated) or GNU base-256 numeric field. */
  private num(h: Buffer, off: number, len: number, field: string, signed = false): number {
    const first = h[off] ?? 0;
    if (first & 0x80) {
      // base-256: big-endian two's complement; 0x80 positive, 0xff negative.
      const negative = first === 0xff;
      if (negative && !signed) throw this.invalid(`negative ${field} in tar header`);
      let v = 0;
      for (let i = 0; i < len; i++) {
        let b = h[off + i] ?? 0;
        if (i === 0) b &= 0x7f;
        if (negative) b ^= 0xff;
        v = v * 256 + b;
        if (v > Number.MAX_SAFE_INTEGER) throw this.invalid(`absurd ${field} in tar header`);
      }
      return negative ? -(v + 1) : v;
    }
    let v = 0;
    let i = off;
    const end = off + len;
    while (i < end && (h[i] === 0x20 || h[i] === 0)) i++;
    for (; i < end; i++) {
      const c = h[i] ?? 0;
      if (c === 0x20 || c === 0) break;
      if (c < 0x30 || c > 0x37) throw this.invalid(`bad octal ${field} in tar header`);
      v = v * 8 + (c - 0x30);
    }
    if (v > Number.MAX_SAFE_INTEGER) throw this.invalid(`absurd ${field} in tar header`);
    return v;
  }
}

const EMPTY = Buffer.alloc(0);

/**
 * Whether a block is all zeros (end of archive). From the end: a header's last bytes are zero
 * padding, so every header runs the loop a few times and V8 compiles it with that feedback,
 * rather than deoptimizing the reader at the first end-of-archive block.
 */
function isZero(h: Buffer): boolean {
  for (let i = BLOCK - 1; i >= 0; i--) if (h[i] !== 0) return false;
  return true;
}

/** ustar's magic "ustar\0" at 257 (POSIX; old GNU tars write "ustar  "). */
function isUstar(h: Buffer): boolean {
  return h[257] === 0x75 && h[258] === 0x73 && h[259] === 0x74 && h[260] === 0x61 && h[261] === 0x72 && h[262] === 0;
}

/**
 * The header checksum, as the unsigned or (old tars) signed sum of its bytes with the checksum
 * field counted as spaces. One pass: the signed sum is the unsigned one less 256 per byte
 * above 127.
 */
function checksumOk(h: Buffer): boolean {
  let sum = 0;
  let high = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = h[i] as number;
    sum += b;
    high += b >> 7;
  }
  for (let i = 148; i < 156; i++) {
    const b = h[i] as number;
    sum -= b;
    high -= b >> 7;
  }
  const unsigned = sum + 8 * 0x20;
  const signed = unsigned - 256 * high;
  let stored = 0;
  for (let i = 148; i < 156; i++) {
    const c = h[i] ?? 0;
    if (c === 0 || c === 0x20) {
      if (stored === 0) continue;
      break;
    }
    if (c < 0x30 || c > 0x37) return false;
    stored = stored * 8 + (c - 0x30);
  }
  return stored === unsigned || stored === signed;
}

/** NUL-terminated string from a fixed-width field. */
function cstr(b: Buffer, off: number, len: number): string {
  let end = off;
  const max = off + len;
  while (end < max && b[end] !== 0) end++;
  return b.toString('utf8', off, end);
}

/** PAX records: "LEN key=value\n", values kept as bytes (xattr values are binary). */
function parsePax(body: Buffer, invalid: (m: string) => HullError): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let off = 0;
  while (off < body.length) {
    if (body[off] === 0) break; // NUL padding
    let sp = off;
    while (sp < body.length && body[sp] !== 0x20) sp++;
    const len = Number(body.toString('latin1', off, sp));
    if (!Number.isInteger(len) || len <= sp - off + 1 || off + len > body.length) throw invalid('malformed PAX record');
    const rec = body.subarray(sp + 1, off + len - 1); // without the trailing '\n'
    const eq = rec.indexOf(0x3d);
    if (eq < 0 || body[off + len - 1] !== 0x0a) throw invalid('malformed PAX record');
    out.set(rec.toString('utf8', 0, eq), Buffer.from(rec.subarray(eq + 1)));
    off += len;
  }
  return out;
}
