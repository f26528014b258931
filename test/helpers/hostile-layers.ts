/**
 * Builds layer tars in code, byte by byte (512-byte ustar headers, PAX records), so tests can
 * say exactly what a layer contains — including what no honest tar writer would produce:
 * paths escaping with `..` or absolute names, symlinks and hardlinks pointing outside, whiteouts
 * of the rootfs, headers lying about their size, and lazily generated "bombs".
 */
import { Readable } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';

export type TarType = 'file' | 'dir' | 'symlink' | 'link' | 'char' | 'block' | 'fifo';

export interface TarSpec {
  name: string;
  type?: TarType;
  /** File content (file entries); a string is UTF-8. */
  body?: Buffer | string;
  linkname?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  /** Seconds since the epoch. */
  mtime?: number;
  devmajor?: number;
  devminor?: number;
  /** Extended attributes, written as PAX SCHILY.xattr.* records. */
  xattrs?: Record<string, Buffer | string>;
  /** Overrides the size written in the header (to lie about it). */
  headerSize?: number;
}

const TYPE_FLAG: Record<TarType, string> = {
  file: '0',
  link: '1',
  symlink: '2',
  char: '3',
  block: '4',
  dir: '5',
  fifo: '6',
};

function octal(n: number, width: number): string {
  return `${n.toString(8).padStart(width - 1, '0')}\0`;
}

/** One raw 512-byte ustar header. Names longer than 100 bytes need a PAX record (see entry()). */
export function rawHeader(f: {
  name: string;
  flag: string;
  size: number;
  linkname?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  devmajor?: number;
  devminor?: number;
}): Buffer {
  const h = Buffer.alloc(512);
  h.write(f.name.slice(0, 100), 0, 'utf8');
  h.write(octal(f.mode ?? 0o644, 8), 100, 'latin1');
  h.write(octal(f.uid ?? 0, 8), 108, 'latin1');
  h.write(octal(f.gid ?? 0, 8), 116, 'latin1');
  if (f.size < 8 ** 11) h.write(octal(f.size, 12), 124, 'latin1');
  else {
    // GNU base-256: 0x80 then the size big-endian in the remaining 11 bytes.
    h[124] = 0x80;
    let v = BigInt(f.size);
    for (let i = 135; i > 124; i--) {
      h[i] = Number(v & 0xffn);
      v >>= 8n;
    }
  }
  h.write(octal(f.mtime ?? 1_600_000_000, 12), 136, 'latin1');
  h.write(f.flag, 156, 'latin1');
  h.write((f.linkname ?? '').slice(0, 100), 157, 'utf8');
  h.write('ustar\u000000', 257, 'latin1');
  h.write(octal(f.devmajor ?? 0, 8), 329, 'latin1');
  h.write(octal(f.devminor ?? 0, 8), 337, 'latin1');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

function pad(n: number): Buffer {
  return Buffer.alloc((512 - (n % 512)) % 512);
}

function paxRecord(key: string, value: Buffer): Buffer {
  const rest = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from('\n')]);
  let len = rest.length + 1;
  while (String(len).length + rest.length !== len) len = String(len).length + rest.length;
  return Buffer.concat([Buffer.from(String(len)), rest]);
}

/** The bytes of one entry: a PAX header when needed, the ustar header, the body and padding. */
export function entry(s: TarSpec): Buffer {
  const type = s.type ?? (s.body !== undefined ? 'file' : s.name.endsWith('/') ? 'dir' : 'file');
  const body = typeof s.body === 'string' ? Buffer.from(s.body) : (s.body ?? Buffer.alloc(0));
  const parts: Buffer[] = [];
  const pax: Buffer[] = [];
  if (Buffer.byteLength(s.name) > 100) pax.push(paxRecord('path', Buffer.from(s.name)));
  if (s.linkname && Buffer.byteLength(s.linkname) > 100) pax.push(paxRecord('linkpath', Buffer.from(s.linkname)));
  for (const [k, v] of Object.entries(s.xattrs ?? {})) {
    pax.push(paxRecord(`SCHILY.xattr.${k}`, typeof v === 'string' ? Buffer.from(v) : v));
  }
  if (pax.length > 0) {
    const p = Buffer.concat(pax);
    parts.push(rawHeader({ name: 'PaxHeaders/x', flag: 'x', size: p.length }), p, pad(p.length));
  }
  parts.push(
    rawHeader({
      name: s.name,
      flag: TYPE_FLAG[type],
      size: s.headerSize ?? body.length,
      linkname: s.linkname,
      mode: s.mode ?? (type === 'dir' ? 0o755 : type === 'symlink' ? 0o777 : 0o644),
      uid: s.uid,
      gid: s.gid,
      mtime: s.mtime,
      devmajor: s.devmajor,
      devminor: s.devminor,
    }),
  );
  if (body.length > 0) parts.push(body, pad(body.length));
  return Buffer.concat(parts);
}

/** A whole tar: entries then the two zero blocks. */
export function tarOf(entries: TarSpec[]): Buffer {
  return Buffer.concat([...entries.map(entry), Buffer.alloc(1024)]);
}

/** A Readable of a buffer, in chunks of `chunk` bytes (to exercise chunk boundaries). */
export function streamOf(buf: Buffer, chunk = 16 * 1024): Readable {
  let off = 0;
  return new Readable({
    read() {
      if (off >= buf.length) this.push(null);
      else {
        this.push(buf.subarray(off, off + chunk));
        off += chunk;
      }
    },
  });
}

/**
 * A gzip bomb: a tar of `size` bytes of zeros in files of `fileSize` bytes (honest headers),
 * compressed lazily as it is read (never materialised), then gunzipped — what applyLayer would
 * receive from a 10 MB blob that inflates to 10 GB.
 */
export function zeroBombStream(size: number, fileSize = size): Readable {
  const zeros = Buffer.alloc(1024 * 1024);
  let left = size;
  let inFile = 0;
  let files = 0;
  const tar = new Readable({
    read() {
      if (left <= 0) {
        this.push(null);
        return;
      }
      if (inFile === 0) {
        inFile = Math.min(left, fileSize);
        this.push(rawHeader({ name: `bomb${files++}`, flag: '0', size: inFile }));
        return;
      }
      const n = Math.min(inFile, zeros.length);
      inFile -= n;
      left -= n;
      // fileSize is a multiple of 512 in the corpus, so no padding is needed between files.
      this.push(n === zeros.length ? zeros : zeros.subarray(0, n));
    },
  });
  const gunzip = createGunzip();
  tar.pipe(createGzip({ level: 1 })).pipe(gunzip);
  gunzip.on('close', () => tar.destroy());
  return gunzip;
}

/** A hostile layer: its tar, and what applying it must do. */
export interface HostileCase {
  name: string;
  /** Layers applied in order; the last is the hostile one (earlier ones set the stage). */
  layers: Array<() => Readable>;
  /** Options for applyLayer. */
  maxBytes?: number;
  /** If rejected, the HullError code expected (any code when undefined). */
  rejectCode?: string;
  /** Must be rejected (not merely contained). */
  mustReject?: boolean;
}

const t =
  (entries: TarSpec[]): (() => Readable) =>
  () =>
    streamOf(tarOf(entries));

/**
 * The corpus, for a rootfs at SANDBOX/rootfs: every case must leave everything outside the
 * rootfs untouched (sandbox paths appear in some symlink targets).
 */
export function hostileCases(sandbox: string): HostileCase[] {
  const cases: HostileCase[] = [
    { name: 'dot-dot path', layers: [t([{ name: '../../etc/evil', body: 'x' }])] },
    { name: 'dot-dot in the middle', layers: [t([{ name: 'a/../../../sentinel', body: 'x' }])] },
    { name: 'absolute path', layers: [t([{ name: '/abs/evil', body: 'x' }])] },
    {
      name: 'symlink to / then write through it',
      layers: [
        t([
          { name: 'escape', type: 'symlink', linkname: '/' },
          { name: 'escape/sentinel', body: 'pwned' },
        ]),
      ],
    },
    {
      name: 'symlink to ../../.. then write through it',
      layers: [
        t([
          { name: 'escape', type: 'symlink', linkname: '../../..' },
          { name: 'escape/sentinel', body: 'pwned' },
          { name: 'escape/tmp/evil', body: 'pwned' },
        ]),
      ],
    },
    {
      name: 'symlinked parent dir pointing outside (absolute host path)',
      layers: [
        t([
          { name: 'etc', type: 'symlink', linkname: sandbox },
          { name: 'etc/sentinel', body: 'pwned' },
        ]),
      ],
    },
    {
      name: 'symlink chain pointing outside',
      layers: [
        t([
          { name: 'a', type: 'symlink', linkname: 'b/../..' },
          { name: 'b', type: 'dir' },
          { name: 'a/c/sentinel', body: 'pwned' },
        ]),
      ],
    },
    {
      name: 'final component is a symlink to outside (file over it)',
      layers: [
        t([{ name: 'victim', type: 'symlink', linkname: '../sentinel' }]),
        t([{ name: 'victim', body: 'pwned' }]),
      ],
    },
    {
      name: 'dangling symlink then a file at its path',
      layers: [
        t([
          { name: 'dl', type: 'symlink', linkname: `${sandbox}/new-file` },
          { name: 'dl', body: 'pwned' },
        ]),
      ],
    },
    {
      name: 'dir entry over a symlink to outside, then a child',
      layers: [
        t([{ name: 'd', type: 'symlink', linkname: '../' }]),
        t([
          { name: 'd/', type: 'dir', mode: 0o777 },
          { name: 'd/sentinel', body: 'pwned' },
        ]),
      ],
    },
    { name: 'hardlink to /etc/passwd', layers: [t([{ name: 'passwd', type: 'link', linkname: '/etc/passwd' }])] },
    {
      name: 'hardlink to ../../outside',
      layers: [t([{ name: 'ol', type: 'link', linkname: '../../sentinel' }])],
    },
    {
      name: 'hardlink through a symlinked dir to outside',
      layers: [
        t([
          { name: 's', type: 'symlink', linkname: '../..' },
          { name: 'hl', type: 'link', linkname: 's/sentinel' },
        ]),
      ],
    },
    {
      name: 'hardlink to the rootfs itself',
      layers: [t([{ name: 'hl', type: 'link', linkname: '../..' }])],
      mustReject: true,
      rejectCode: 'LAYER_INVALID',
    },
    {
      name: 'whiteout .wh...',
      layers: [t([{ name: '.wh...', body: '' }])],
      mustReject: true,
      rejectCode: 'LAYER_INVALID',
    },
    {
      name: 'whiteout .wh..',
      layers: [t([{ name: 'sub/.wh..', body: '' }])],
      mustReject: true,
      rejectCode: 'LAYER_INVALID',
    },
    { name: 'whiteout ../.wh.x', layers: [t([{ name: '../.wh.sentinel', body: '' }])] },
    { name: 'whiteout ..\\/.wh.x', layers: [t([{ name: '..\\/.wh.sentinel', body: '' }])] },
    {
      name: 'whiteout through a symlink to outside',
      layers: [
        t([
          { name: 'up', type: 'symlink', linkname: '../../' },
          { name: 'up/.wh.sentinel', body: '' },
        ]),
      ],
    },
    {
      name: 'opaque whiteout through a symlink to outside',
      layers: [t([{ name: 'up', type: 'symlink', linkname: '/../..' }]), t([{ name: 'up/.wh..wh..opq', body: '' }])],
    },
    {
      name: 'whiteout of the rootfs via /.wh.',
      layers: [t([{ name: '/.wh.', body: '' }])],
      mustReject: true,
      rejectCode: 'LAYER_INVALID',
    },
    {
      name: 'non-directory entry at the rootfs path',
      layers: [t([{ name: '../', type: 'symlink', linkname: '/' }])],
      mustReject: true,
      rejectCode: 'LAYER_INVALID',
    },
    {
      name: 'header claims a huge size (base-256), short body',
      layers: [
        () => {
          const tar = tarOf([{ name: 'big', body: 'short', headerSize: 1024 ** 4 }]);
          return streamOf(tar.subarray(0, 2048));
        },
      ],
      mustReject: true,
      rejectCode: 'LAYER_TOO_LARGE',
    },
    {
      name: 'header claims an absurd size (2^80, base-256)',
      layers: [
        () => {
          const tar = tarOf([{ name: 'big', body: 'short' }]);
          tar.fill(0, 124, 136);
          tar[124] = 0x80;
          tar[126] = 0x01; // 2^80
          let sum = 0;
          tar.fill(0x20, 148, 156);
          for (let i = 0; i < 512; i++) sum += tar[i] as number;
          tar.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
          return streamOf(tar);
        },
      ],
      mustReject: true,
      rejectCode: 'LAYER_INVALID',
    },
    {
      name: 'header claims a size larger than the body, truncated tar',
      layers: [() => streamOf(tarOf([{ name: 'f', body: 'x'.repeat(100), headerSize: 5000 }]).subarray(0, 1024))],
      mustReject: true,
      rejectCode: 'LAYER_INVALID',
    },
    {
      name: 'gzip bomb (10 GB of zeros) bounded by maxBytes',
      layers: [() => zeroBombStream(10 * 1024 ** 3)],
      maxBytes: 64 * 1024 * 1024,
      mustReject: true,
      rejectCode: 'LAYER_TOO_LARGE',
    },
    {
      name: 'gzip bomb of honest 16 MiB files, bounded by maxBytes',
      layers: [() => zeroBombStream(10 * 1024 ** 3, 16 * 1024 * 1024)],
      maxBytes: 64 * 1024 * 1024,
      mustReject: true,
      rejectCode: 'LAYER_TOO_LARGE',
    },
    {
      name: 'symlink swapped under an existing directory path in a later entry',
      layers: [
        t([
          { name: 'd/', type: 'dir' },
          { name: 'd/a', body: 'inside' },
          { name: 'd', type: 'symlink', linkname: '../..' },
          { name: 'd/sentinel', body: 'pwned' },
          { name: 'd/a', body: 'pwned' },
        ]),
      ],
    },
    {
      name: 'symlink swapped in a later layer',
      layers: [
        t([
          { name: 'd/', type: 'dir' },
          { name: 'd/x', body: 'inside' },
        ]),
        t([
          { name: 'd', type: 'symlink', linkname: '/../../../' },
          { name: 'd/sentinel', body: 'pwned' },
        ]),
      ],
    },
    {
      name: 'long name (PAX path) escaping',
      layers: [t([{ name: `${'../'.repeat(60)}sentinel`, body: 'pwned' }])],
    },
    { name: 'not a tar at all', layers: [() => streamOf(Buffer.alloc(4096, 0x41))], mustReject: true },
  ];
  return cases;
}
