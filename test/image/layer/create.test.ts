import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  closeSync,
  ftruncateSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { extract, type Header } from 'tar-stream';
import { decompressStream, sniffCompression } from '../../../src/image/compression.js';
import { packDirectory } from '../../../src/image/layer/create.js';
import { tarChunks } from '../../../src/image/layer/tar-writer.js';
import { native } from '../../../src/native.js';
import { busyboxRootfs, tempDir } from '../../helpers/fixtures.js';
import { diffManifests, treeManifest } from '../../helpers/tree-manifest.js';

async function collect(s: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

interface Entry extends Omit<Header, 'pax'> {
  pax: Record<string, string> | null | undefined;
  data: Buffer;
}

async function entries(tar: Buffer): Promise<Entry[]> {
  const ex = extract();
  ex.end(tar);
  const out: Entry[] = [];
  for await (const e of ex) {
    const chunks: Buffer[] = [];
    for await (const c of e) chunks.push(c as Buffer);
    out.push({ ...e.header, pax: e.header.pax as Entry['pax'], data: Buffer.concat(chunks) });
  }
  return out;
}

/** Depth-first order with bytewise-sorted siblings: compare paths component by component. */
function treeOrder(a: string, b: string): number {
  const x = a.replace(/\/$/, '').split('/');
  const y = b.replace(/\/$/, '').split('/');
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const c = Buffer.compare(Buffer.from(x[i]!), Buffer.from(y[i]!));
    if (c !== 0) return c;
  }
  return x.length - y.length;
}

const T = 1_600_000_000;

/** A tree with every entry type and attribute layer.md#file-attributes names. */
function handMadeTree(): string {
  const n = native();
  const src = tempDir('hull-create-');
  mkdirSync(join(src, 'dir'));
  chmodSync(join(src, 'dir'), 0o750);
  mkdirSync(join(src, 'sgid'));
  chmodSync(join(src, 'sgid'), 0o2775);
  mkdirSync(join(src, 'tmp'));
  chmodSync(join(src, 'tmp'), 0o1777);
  writeFileSync(join(src, 'setuid'), '#!/bin/sh\n');
  chmodSync(join(src, 'setuid'), 0o4755);
  writeFileSync(join(src, 'owned'), 'owned by 1234:5678\n');
  chownSync(join(src, 'owned'), 1234, 5678);
  writeFileSync(join(src, 'big-ids'), 'ids beyond ustar octal fields\n');
  chownSync(join(src, 'big-ids'), 3_000_000, 3_000_001);
  writeFileSync(join(src, 'dir', 'a'), 'linked content\n');
  linkSync(join(src, 'dir', 'a'), join(src, 'z-link'));
  n.mknod(join(src, 'fifo'), 0o010644, 0);
  n.mknod(join(src, 'null'), 0o020644, n.makedev(1, 3));
  n.mknod(join(src, 'loop0'), 0o060640, n.makedev(7, 0));
  symlinkSync('dir/a', join(src, 'sym'));
  symlinkSync(`${'t'.repeat(150)}/target`, join(src, 'long-sym'));
  writeFileSync(join(src, 'xattrs'), 'has xattrs\n');
  n.lsetxattr(join(src, 'xattrs'), 'user.test', Buffer.from('hello'));
  writeFileSync(join(src, 'ping'), 'capable\n');
  chmodSync(join(src, 'ping'), 0o755);
  execFileSync('setcap', ['cap_net_raw+ep', join(src, 'ping')]);
  writeFileSync(join(src, 'héllo wörld ✓'), 'utf-8 name\n');
  const deep = join(src, 'dir', 'd'.repeat(90), 'e'.repeat(90));
  mkdirSync(deep, { recursive: true });
  writeFileSync(join(deep, 'f'.repeat(120)), 'long path\n');
  writeFileSync(join(src, 'empty'), '');
  // Distinct mtimes (treeManifest compares them for non-directories).
  let t = T;
  for (const name of readdirSync(src, { recursive: true }) as string[]) {
    const p = join(src, name);
    if (!lstatSync(p).isSymbolicLink()) utimesSync(p, t, t++);
  }
  return src;
}

describe('packDirectory', () => {
  it('lists a busybox rootfs in tree order with relative names', async () => {
    const root = busyboxRootfs();
    const { stream, diffID } = packDirectory(root, { compression: 'none' });
    const tar = await collect(stream);
    assert.equal(await diffID, `sha256:${createHash('sha256').update(tar).digest('hex')}`);
    const list = await entries(tar);
    const names = list.map((e) => e.name);
    assert.ok(names.includes('bin/'), 'directories end in /');
    assert.ok(names.includes('etc/passwd'));
    assert.ok(!names.some((x) => x.startsWith('./') || x.startsWith('/') || x === '.'), 'no ./, / or root entry');
    assert.deepEqual(names, [...names].sort(treeOrder), 'depth-first, bytewise sorted');
    assert.equal(new Set(names).size, names.length, 'no duplicate paths (layer.md#distributable-format)');
    const byName = new Map(list.map((e) => [e.name, e]));
    assert.equal(byName.get('bin/')?.type, 'directory');
    assert.equal(byName.get('bin/busybox')?.type, 'file');
    assert.equal(byName.get('bin/sh')?.type, 'symlink');
    assert.equal(byName.get('bin/sh')?.linkname, 'busybox');
    assert.equal(byName.get('tmp/')?.mode, 0o1777);
    assert.equal(byName.get('home/user/')?.uid, 1000);
    assert.equal(byName.get('etc/passwd')?.data.toString().split('\n')[0], 'root:x:0:0:root:/root:/bin/sh');
    for (const e of list) {
      assert.equal(e.uname, '', `${e.name} uname`);
      assert.equal(e.gname, '', `${e.name} gname`);
    }
  });

  it('is a faithful tar: GNU tar extracts the same tree', async () => {
    const src = handMadeTree();
    const out = tempDir('hull-create-out-');
    const { stream } = packDirectory(src, { compression: 'none' });
    const tarFile = join(out, 'layer.tar');
    writeFileSync(tarFile, await collect(stream));
    const dest = join(out, 'x');
    mkdirSync(dest);
    execFileSync('tar', ['--xattrs', '--xattrs-include=*', '--numeric-owner', '-xpf', tarFile, '-C', dest]);
    // The root is not an entry (walk.ts), so compare everything below it.
    const strip = (m: Map<string, string>) => new Map([...m].filter(([k]) => k !== '.'));
    assert.deepEqual(
      diffManifests(strip(treeManifest(src, { mtime: true })), strip(treeManifest(dest, { mtime: true })), [
        'source',
        'extracted',
      ]),
      [],
    );
    // The hardlink pair is one inode again, and capabilities survived.
    assert.equal(lstatSync(join(dest, 'dir', 'a')).ino, lstatSync(join(dest, 'z-link')).ino);
    assert.match(execFileSync('getcap', [join(dest, 'ping')]).toString(), /cap_net_raw[=+]ep/);
  });

  it('writes the attributes layer.md#file-attributes lists, and only deterministic PAX records', async () => {
    const src = handMadeTree();
    const list = await entries(await collect(packDirectory(src, { compression: 'none' }).stream));
    const byName = new Map(list.map((e) => [e.name, e]));
    assert.equal(byName.get('setuid')?.mode, 0o4755);
    assert.equal(byName.get('sgid/')?.mode, 0o2775);
    assert.equal(byName.get('owned')?.uid, 1234);
    assert.equal(byName.get('owned')?.gid, 5678);
    // tar-stream does not apply PAX uid/gid itself; GNU tar does (previous test).
    assert.equal(byName.get('big-ids')?.pax?.uid, '3000000');
    assert.equal(byName.get('big-ids')?.pax?.gid, '3000001');
    assert.equal(byName.get('z-link')?.type, 'link');
    assert.equal(byName.get('z-link')?.linkname, 'dir/a');
    assert.equal(byName.get('dir/a')?.type, 'file');
    assert.equal(byName.get('fifo')?.type, 'fifo');
    assert.equal(byName.get('null')?.type, 'character-device');
    assert.deepEqual([byName.get('null')?.devmajor, byName.get('null')?.devminor], [1, 3]);
    assert.equal(byName.get('loop0')?.type, 'block-device');
    assert.deepEqual([byName.get('loop0')?.devmajor, byName.get('loop0')?.devminor], [7, 0]);
    assert.equal(byName.get('sym')?.linkname, 'dir/a');
    assert.equal(byName.get('long-sym')?.linkname, `${'t'.repeat(150)}/target`);
    assert.ok(byName.has('héllo wörld ✓'));
    assert.ok(byName.has(`dir/${'d'.repeat(90)}/${'e'.repeat(90)}/${'f'.repeat(120)}`));
    assert.equal(byName.get('xattrs')?.pax?.['SCHILY.xattr.user.test'], 'hello');
    assert.ok(byName.get('ping')?.pax?.['SCHILY.xattr.security.capability'] !== undefined);
    assert.equal(byName.get('setuid')?.mtime?.getTime(), lstatSync(join(src, 'setuid')).mtime.getTime());
    const allowed = /^(path|linkpath|uid|gid|size|mtime|SCHILY\.xattr\..+)$/;
    for (const e of list) for (const k of Object.keys(e.pax ?? {})) assert.match(k, allowed, `${e.name}: PAX ${k}`);
  });

  it('skips sockets and refuses names that look like whiteouts', async () => {
    const src = tempDir('hull-create-sock-');
    writeFileSync(join(src, 'file'), 'x');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(join(src, 'sock'), resolve));
    try {
      const list = await entries(await collect(packDirectory(src, { compression: 'none' }).stream));
      assert.deepEqual(
        list.map((e) => e.name),
        ['file'],
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    writeFileSync(join(src, '.wh.oops'), '');
    const { stream } = packDirectory(src, { compression: 'none' });
    await assert.rejects(collect(stream), { code: 'WHITEOUT_NAME' });
  });

  it('clamps mtimes to sourceDateEpoch', async () => {
    const src = tempDir('hull-create-epoch-');
    writeFileSync(join(src, 'old'), 'old');
    writeFileSync(join(src, 'new'), 'new');
    utimesSync(join(src, 'old'), T, T);
    utimesSync(join(src, 'new'), T + 1000, T + 1000);
    const list = await entries(
      await collect(packDirectory(src, { compression: 'none', sourceDateEpoch: T + 10 }).stream),
    );
    const mtimes = Object.fromEntries(list.map((e) => [e.name, (e.mtime?.getTime() ?? 0) / 1000]));
    assert.deepEqual(mtimes, { new: T + 10, old: T });
  });

  for (const compression of ['gzip', 'zstd'] as const) {
    it(`is reproducible with ${compression}`, async () => {
      const root = busyboxRootfs();
      const digests: string[] = [];
      const diffIDs: string[] = [];
      for (let i = 0; i < 2; i++) {
        const { stream, diffID } = packDirectory(root, { compression, sourceDateEpoch: T });
        const blob = await collect(stream);
        assert.equal(sniffCompression(blob), compression);
        digests.push(createHash('sha256').update(blob).digest('hex'));
        diffIDs.push(await diffID);
        const tar = await collect(decompressStream(compression).end(blob));
        assert.equal(diffIDs[i], `sha256:${createHash('sha256').update(tar).digest('hex')}`);
      }
      assert.equal(digests[0], digests[1]);
      assert.equal(diffIDs[0], diffIDs[1]);
    });
  }

  it('streams a 2 GiB sparse file without holding it in memory', async () => {
    const src = tempDir('hull-create-sparse-');
    const fd = openSync(join(src, 'sparse'), 'w');
    ftruncateSync(fd, 2 ** 31);
    closeSync(fd);
    const before = process.memoryUsage().rss;
    let peak = before;
    let bytes = 0;
    const { stream, diffID } = packDirectory(src, { compression: 'none' });
    for await (const c of stream) {
      bytes += (c as Buffer).length;
      if ((bytes & 0xfffffff) < (c as Buffer).length) peak = Math.max(peak, process.memoryUsage().rss);
    }
    assert.equal(bytes, 512 + 2 ** 31 + 1024);
    assert.match(await diffID, /^sha256:[0-9a-f]{64}$/);
    assert.ok(peak - before < 256 * 2 ** 20, `rss grew by ${((peak - before) / 2 ** 20).toFixed(0)} MiB`);
  });

  it('fails when a file shrinks after its header was written', () => {
    const src = tempDir('hull-create-shrink-');
    writeFileSync(join(src, 'f'), 'short');
    const items = [
      {
        header: { name: 'f', type: 'file' as const, mode: 0o644, uid: 0, gid: 0, mtime: T, size: 100 },
        source: join(src, 'f'),
      },
    ];
    assert.throws(() => [...tarChunks(items)], { code: 'FILE_CHANGED' });
  });
});
