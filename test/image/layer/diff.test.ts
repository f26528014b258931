import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  linkSync,
  lutimesSync,
  mkdirSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { extract, type Header } from 'tar-stream';
import { decompressStream } from '../../../src/image/compression.js';
import { type DiffOptions, packDiff } from '../../../src/image/layer/diff.js';
import { native } from '../../../src/native.js';
import { tempDir } from '../../helpers/fixtures.js';

async function collect(s: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

interface Entry extends Omit<Header, 'pax'> {
  data: Buffer;
}

async function entries(tar: Buffer): Promise<Entry[]> {
  const ex = extract();
  ex.end(tar);
  const out: Entry[] = [];
  for await (const e of ex) {
    const chunks: Buffer[] = [];
    for await (const c of e) chunks.push(c as Buffer);
    out.push({ ...e.header, data: Buffer.concat(chunks) });
  }
  return out;
}

const T = 1_600_000_000;

/** Every path under `root` gets mtime T (seconds, no fraction): a tree as unpacked from a layer. */
function settle(root: string): void {
  for (const name of readdirSync(root, { recursive: true }) as string[]) lutimesSync(join(root, name), T, T);
}

/** lower built by `build`, upper a `cp -a` copy changed by `change`. */
function pair(build: (dir: string) => void, change: (dir: string) => void): { lower: string; upper: string } {
  const base = tempDir('hull-diff-');
  const lower = join(base, 'lower');
  const upper = join(base, 'upper');
  mkdirSync(lower);
  build(lower);
  settle(lower);
  execFileSync('cp', ['-a', `${lower}/.`, upper]);
  change(upper);
  return { lower, upper };
}

async function diffEntries(lower: string, upper: string, opts: Partial<DiffOptions> = {}): Promise<Entry[]> {
  const { stream } = packDiff(lower, upper, { compression: 'none', ...opts });
  return entries(await collect(stream));
}

async function diffNames(lower: string, upper: string, opts: Partial<DiffOptions> = {}): Promise<string[]> {
  return (await diffEntries(lower, upper, opts)).map((e) =>
    e.type === 'link' ? `${e.name} => ${e.linkname}` : e.name,
  );
}

describe('packDiff', () => {
  it('writes additions, modifications, deletions, replacements and opaque directories', async () => {
    const { lower, upper } = pair(
      (d) => {
        mkdirSync(join(d, 'a'));
        for (const f of ['keep', 'mod', 'del']) writeFileSync(join(d, 'a', f), f);
        mkdirSync(join(d, 'd'));
        writeFileSync(join(d, 'd', 'x'), 'x');
        mkdirSync(join(d, 'e'));
        writeFileSync(join(d, 'e', '1'), '1');
        writeFileSync(join(d, 'f'), 'file');
        mkdirSync(join(d, 'o', 'sub'), { recursive: true });
        writeFileSync(join(d, 'o', 'old'), 'old');
        writeFileSync(join(d, 'o', 'sub', 'deep'), 'deep');
        writeFileSync(join(d, 'same'), 'same');
      },
      (d) => {
        writeFileSync(join(d, 'a', 'new'), 'new'); // added
        writeFileSync(join(d, 'a', 'mod'), 'modified'); // modified
        unlinkSync(join(d, 'a', 'del')); // deleted
        rmSync(join(d, 'd'), { recursive: true }); // directory replaced by a file
        writeFileSync(join(d, 'd'), 'now a file');
        unlinkSync(join(d, 'e', '1')); // directory emptied
        unlinkSync(join(d, 'f')); // file replaced by a directory
        mkdirSync(join(d, 'f'));
        writeFileSync(join(d, 'f', 'inner'), 'inner');
        rmSync(join(d, 'o'), { recursive: true }); // directory deleted and recreated
        mkdirSync(join(d, 'o'));
        writeFileSync(join(d, 'o', 'fresh'), 'fresh');
      },
    );
    const list = await diffEntries(lower, upper);
    assert.deepEqual(
      list.map((e) => e.name),
      [
        '.wh.d',
        'a/',
        'a/.wh.del',
        'a/mod',
        'a/new',
        'd',
        'e/',
        'e/.wh.1',
        'f/',
        'f/inner',
        'o/',
        'o/.wh..wh..opq',
        'o/fresh',
      ],
    );
    const byName = new Map(list.map((e) => [e.name, e]));
    for (const wh of ['.wh.d', 'a/.wh.del', 'e/.wh.1', 'o/.wh..wh..opq']) {
      assert.equal(byName.get(wh)?.type, 'file', wh);
      assert.equal(byName.get(wh)?.size, 0, wh);
    }
    assert.equal(byName.get('a/mod')?.data.toString(), 'modified');
    assert.equal(byName.get('d')?.type, 'file');
    assert.equal(byName.get('f/')?.type, 'directory');
  });

  it('is empty for identical trees', async () => {
    const { lower, upper } = pair(
      (d) => {
        mkdirSync(join(d, 'x', 'y'), { recursive: true });
        writeFileSync(join(d, 'x', 'y', 'z'), 'z');
        symlinkSync('x/y/z', join(d, 'link'));
      },
      () => {},
    );
    const { stream, diffID } = packDiff(lower, upper, { compression: 'none' });
    const tar = await collect(stream);
    assert.equal(tar.length, 1024, 'just the end-of-archive blocks');
    assert.equal(await diffID, `sha256:${createHash('sha256').update(tar).digest('hex')}`);
  });

  it('includes the parent directories of a deep change', async () => {
    const { lower, upper } = pair(
      (d) => {
        mkdirSync(join(d, 'x', 'y'), { recursive: true });
        writeFileSync(join(d, 'x', 'y', 'z'), 'z');
        writeFileSync(join(d, 'x', 'other'), 'other');
      },
      (d) => {
        writeFileSync(join(d, 'x', 'y', 'z'), 'Z!');
      },
    );
    assert.deepEqual(await diffNames(lower, upper), ['x/', 'x/y/', 'x/y/z']);
  });

  it('sees metadata-only changes: mode, owner, xattr, symlink target', async () => {
    const { lower, upper } = pair(
      (d) => {
        for (const f of ['chmod', 'chown', 'xattr']) writeFileSync(join(d, f), f);
        symlinkSync('one', join(d, 'sym'));
      },
      (d) => {
        chmodSync(join(d, 'chmod'), 0o4755);
        execFileSync('chown', ['-h', '1234:5678', join(d, 'chown')]);
        native().lsetxattr(join(d, 'xattr'), 'user.test', Buffer.from('hello'));
        unlinkSync(join(d, 'sym'));
        symlinkSync('two', join(d, 'sym'));
        settle(d); // same mtimes: only the metadata above differs
      },
    );
    const list = await diffEntries(lower, upper);
    assert.deepEqual(
      list.map((e) => e.name),
      ['chmod', 'chown', 'sym', 'xattr'],
    );
    const byName = new Map(list.map((e) => [e.name, e]));
    assert.equal(byName.get('chmod')?.mode, 0o4755);
    assert.equal(byName.get('chown')?.uid, 1234);
    assert.equal(byName.get('sym')?.linkname, 'two');
  });

  it('compares contents of same-size files with whole-second mtimes (contentCheck auto)', async () => {
    const { lower, upper } = pair(
      (d) => writeFileSync(join(d, 'f'), 'aaaa'),
      (d) => {
        writeFileSync(join(d, 'f'), 'bbbb');
        utimesSync(join(d, 'f'), T, T);
      },
    );
    assert.deepEqual(await diffNames(lower, upper), ['f']);
    assert.deepEqual(await diffNames(lower, upper, { contentCheck: 'never' }), []);
  });

  it('writes explicit whiteouts when a directory was only emptied, and none are opaque when disabled', async () => {
    const { lower, upper } = pair(
      (d) => {
        mkdirSync(join(d, 'bin', 'tools'), { recursive: true });
        for (const f of ['my-app-binary', 'my-app-tools', 'tools/my-app-tool-one']) writeFileSync(join(d, 'bin', f), f);
        mkdirSync(join(d, 'r'));
        writeFileSync(join(d, 'r', 'old'), 'old');
      },
      (d) => {
        rmSync(join(d, 'bin'), { recursive: true });
        mkdirSync(join(d, 'bin'));
        rmSync(join(d, 'r', 'old'));
        writeFileSync(join(d, 'r', 'new'), 'new');
      },
    );
    // layer.md#opaque-whiteout's example, written the way it says implementations SHOULD.
    assert.deepEqual(await diffNames(lower, upper), [
      'bin/',
      'bin/.wh.my-app-binary',
      'bin/.wh.my-app-tools',
      'bin/.wh.tools',
      'r/',
      'r/.wh..wh..opq',
      'r/new',
    ]);
    assert.deepEqual(await diffNames(lower, upper, { opaque: false }), [
      'bin/',
      'bin/.wh.my-app-binary',
      'bin/.wh.my-app-tools',
      'bin/.wh.tools',
      'r/',
      'r/.wh.old',
      'r/new',
    ]);
  });

  it('replaces a directory by a symlink with a whiteout first', async () => {
    const { lower, upper } = pair(
      (d) => {
        mkdirSync(join(d, 'lib', 'x'), { recursive: true });
        writeFileSync(join(d, 'lib', 'x', 'so'), 'so');
        mkdirSync(join(d, 'usr', 'lib'), { recursive: true });
      },
      (d) => {
        rmSync(join(d, 'lib'), { recursive: true });
        symlinkSync('usr/lib', join(d, 'lib'));
      },
    );
    const list = await diffEntries(lower, upper);
    assert.deepEqual(
      list.map((e) => `${e.name} ${e.type}`),
      ['.wh.lib file', 'lib symlink'],
    );
    assert.equal(list[1]?.linkname, 'usr/lib');
  });

  it('links later paths of an added inode to the first one in the layer', async () => {
    const { lower, upper } = pair(
      (d) => mkdirSync(join(d, 'bin')),
      (d) => {
        writeFileSync(join(d, 'bin', 'a'), 'tool');
        linkSync(join(d, 'bin', 'a'), join(d, 'bin', 'b'));
        utimesSync(join(d, 'bin'), T, T);
      },
    );
    assert.deepEqual(await diffNames(lower, upper), ['bin/', 'bin/a', 'bin/b => bin/a']);
  });

  it('compresses and reports the diffID of the uncompressed tar', async () => {
    const { lower, upper } = pair(
      (d) => writeFileSync(join(d, 'f'), 'x'),
      (d) => writeFileSync(join(d, 'g'), 'y'.repeat(100_000)),
    );
    for (const compression of ['gzip', 'zstd'] as const) {
      const { stream, diffID } = packDiff(lower, upper, { compression, sourceDateEpoch: T });
      const tar = await collect(decompressStream(compression).end(await collect(stream)));
      assert.equal(await diffID, `sha256:${createHash('sha256').update(tar).digest('hex')}`);
      const list = await entries(tar);
      assert.deepEqual(
        list.map((e) => e.name),
        ['g'],
      );
      assert.ok((list[0]?.mtime?.getTime() ?? 0) / 1000 <= T);
    }
  });

  it('whiteouts a deleted file whose parent directory is otherwise unchanged', async () => {
    const { lower, upper } = pair(
      (d) => {
        mkdirSync(join(d, 'etc'));
        writeFileSync(join(d, 'etc', 'my-app-config'), 'c');
        writeFileSync(join(d, 'etc', 'other'), 'o');
      },
      (d) => {
        unlinkSync(join(d, 'etc', 'my-app-config'));
        const t = statSync(join(d, 'etc', 'other')).mtime;
        utimesSync(join(d, 'etc'), t, t);
      },
    );
    assert.deepEqual(await diffNames(lower, upper), ['etc/', 'etc/.wh.my-app-config']);
  });
});
