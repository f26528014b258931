/**
 * Config.User resolution (image-spec/conversion.md#configuser, config.md#properties `User`)
 * against the busybox fixture's etc/passwd and etc/group, and reading those files inside the
 * rootfs (a symlinked etc/passwd must not reach the host).
 */
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { HullError } from '../../../src/errors.js';
import { parseGroup, parsePasswd } from '../../../src/image/bundle/etc-files.js';
import { readRootfsFile } from '../../../src/image/bundle/rootfs-read.js';
import { parseUserSpec, type ResolvedUser, resolveUser } from '../../../src/image/bundle/user.js';
import { busyboxRootfs, tempDir } from '../../helpers/fixtures.js';

const rootfs = busyboxRootfs();

describe('resolveUser against the busybox rootfs', () => {
  const table: [string | undefined, ResolvedUser][] = [
    // Absent User is uid 0; root's passwd entry supplies gid, home and its groups (wheel).
    [undefined, { uid: 0, gid: 0, additionalGids: [10], home: '/root' }],
    ['', { uid: 0, gid: 0, additionalGids: [10], home: '/root' }],
    ['user', { uid: 1000, gid: 1000, additionalGids: [10, 29], home: '/home/user' }],
    // Numeric uid with a passwd entry: same as the name (config.md; Docker and umoci agree).
    ['1000', { uid: 1000, gid: 1000, additionalGids: [10, 29], home: '/home/user' }],
    ['daemon', { uid: 1, gid: 1, additionalGids: [], home: '/usr/sbin' }],
    // An explicit group: that gid, and no supplementary groups (config.md).
    ['user:audio', { uid: 1000, gid: 29, additionalGids: [], home: '/home/user' }],
    ['user:10', { uid: 1000, gid: 10, additionalGids: [], home: '/home/user' }],
    ['1000:1000', { uid: 1000, gid: 1000, additionalGids: [], home: '/home/user' }],
    ['65534:wheel', { uid: 65534, gid: 10, additionalGids: [], home: '/nonexistent' }],
    // Numeric ids without entries are copied verbatim (conversion.md: MUST), gid defaults to 0.
    ['4242', { uid: 4242, gid: 0, additionalGids: [] }],
    ['4242:4343', { uid: 4242, gid: 4343, additionalGids: [] }],
    ['user:4343', { uid: 1000, gid: 4343, additionalGids: [], home: '/home/user' }],
    // "user:" has an empty group: implicit, like libcontainer.
    ['user:', { uid: 1000, gid: 1000, additionalGids: [10, 29], home: '/home/user' }],
  ];
  for (const [spec, want] of table) {
    it(`${JSON.stringify(spec)} → ${want.uid}:${want.gid} [${want.additionalGids.join(',')}]`, () => {
      assert.deepEqual(resolveUser(spec, rootfs), want);
    });
  }

  it('an unknown user name is USER_UNKNOWN naming etc/passwd', () => {
    assert.throws(
      () => resolveUser('nosuchuser', rootfs),
      (err: unknown) =>
        err instanceof HullError &&
        err.code === 'USER_UNKNOWN' &&
        err.file === `${rootfs}/etc/passwd` &&
        err.message.includes('nosuchuser') &&
        err.message.includes('etc/passwd'),
    );
  });

  it('an unknown group name is USER_UNKNOWN naming etc/group', () => {
    assert.throws(
      () => resolveUser('user:nosuchgroup', rootfs),
      (err: unknown) =>
        err instanceof HullError &&
        err.code === 'USER_UNKNOWN' &&
        err.file === `${rootfs}/etc/group` &&
        err.message.includes('nosuchgroup'),
    );
  });

  it('an id beyond uint32 is USER_INVALID', () => {
    assert.throws(
      () => resolveUser('4294967296', rootfs),
      (err: unknown) => err instanceof HullError && err.code === 'USER_INVALID',
    );
  });
});

describe('resolveUser without etc/passwd or etc/group', () => {
  const empty = tempDir('hull-user-empty-');
  it('numeric ids still work', () => {
    assert.deepEqual(resolveUser('1000:1000', empty), { uid: 1000, gid: 1000, additionalGids: [] });
    assert.deepEqual(resolveUser(undefined, empty), { uid: 0, gid: 0, additionalGids: [] });
  });
  it('names are unknown', () => {
    assert.throws(() => resolveUser('root', empty), { code: 'USER_UNKNOWN' });
    assert.throws(() => resolveUser('0:root', empty), { code: 'USER_UNKNOWN' });
  });
});

describe('etc/passwd and etc/group are read inside the rootfs', () => {
  // A "host" directory outside the rootfs with a passwd that must never be read, and a rootfs
  // whose etc/passwd is an absolute symlink to that same path. RESOLVE_IN_ROOT resolves the
  // target against the rootfs, where the same path holds the image's own file.
  const host = tempDir('hull-user-host-');
  const hostPasswd = join(host, 'passwd');
  writeFileSync(hostPasswd, 'hostonly:x:0:0:host:/host:/bin/sh\nuser:x:0:0::/host:/bin/sh\n');
  const hostGroup = join(host, 'group');
  writeFileSync(hostGroup, 'hostgroup:x:0:\n');

  const root = tempDir('hull-user-escape-');
  mkdirSync(join(root, 'etc'));
  symlinkSync(hostPasswd, join(root, 'etc/passwd'));
  mkdirSync(join(root, host), { recursive: true });
  writeFileSync(join(root, hostPasswd), 'user:x:1000:1000::/home/user:/bin/sh\n');
  // etc/group escapes with ".." instead: in the root, ".." at "/" stays at "/".
  symlinkSync(`../../../../../../../..${hostGroup}`, join(root, 'etc/group'));
  writeFileSync(join(root, hostGroup), 'staff:x:50:user\n');

  it('an absolute symlink reads the rootfs-relative target, not the host file', () => {
    assert.deepEqual(resolveUser('user', root), { uid: 1000, gid: 1000, additionalGids: [50], home: '/home/user' });
    assert.throws(() => resolveUser('hostonly', root), { code: 'USER_UNKNOWN' });
    assert.throws(() => resolveUser('user:hostgroup', root), { code: 'USER_UNKNOWN' });
    assert.equal(resolveUser('user:staff', root).gid, 50);
  });

  it('a symlink whose target exists only on the host reads as absent', () => {
    const r = tempDir('hull-user-escape2-');
    mkdirSync(join(r, 'etc'));
    symlinkSync(hostPasswd, join(r, 'etc/passwd'));
    assert.equal(readRootfsFile(r, 'etc/passwd'), undefined);
    assert.throws(() => resolveUser('hostonly', r), { code: 'USER_UNKNOWN' });
  });

  it('a non-regular etc/passwd (directory) is an error, not a hang', () => {
    const r = tempDir('hull-user-dir-');
    mkdirSync(join(r, 'etc/passwd'), { recursive: true });
    assert.throws(() => resolveUser('root', r), { code: 'ROOTFS_FILE_INVALID' });
  });
});

describe('passwd/group parsing', () => {
  it('skips blank, comment and malformed lines and keeps the rest', () => {
    const text = [
      '# comment',
      '',
      'bad-no-fields',
      'baduid:x:abc:0::/:/bin/sh',
      'neg:x:-1:0::/:/bin/sh',
      ':x:5:5::/:/bin/sh',
      'short:x:7:8',
      'ok:x:1:2:gecos:/home/ok:/bin/sh\r',
    ].join('\n');
    assert.deepEqual(parsePasswd(text), [
      { name: 'short', uid: 7, gid: 8, home: '' },
      { name: 'ok', uid: 1, gid: 2, home: '/home/ok' },
    ]);
  });

  it('parses group members, tolerating spaces and empty entries', () => {
    assert.deepEqual(parseGroup('a:x:1:\nb:x:2: u1 ,,u2\nbad:x:zz:u1\nc:x:3\n'), [
      { name: 'a', gid: 1, members: [] },
      { name: 'b', gid: 2, members: ['u1', 'u2'] },
      { name: 'c', gid: 3, members: [] },
    ]);
  });

  it('a malformed line does not hide the entry after it (resolution)', () => {
    const r = tempDir('hull-user-malformed-');
    mkdirSync(join(r, 'etc'));
    writeFileSync(join(r, 'etc/passwd'), 'garbage\napp:x:notanumber:1::/:/bin/sh\napp:x:500:501::/srv:/bin/sh\n');
    writeFileSync(join(r, 'etc/group'), 'grp:x:bad:app\ngrp:x:600:app,other\n');
    assert.deepEqual(resolveUser('app', r), { uid: 500, gid: 501, additionalGids: [600], home: '/srv' });
  });

  it('parseUserSpec splits at the first colon', () => {
    assert.deepEqual(parseUserSpec('a:b:c'), { user: 'a', group: 'b:c' });
    assert.deepEqual(parseUserSpec('a'), { user: 'a', group: undefined });
  });
});
