/**
 * The parts of --user-ns auto that need no container (src/engine/containers/userns.ts): the
 * flag's syntax, subuid(5) files, the size an image needs, and first-fit allocation against the
 * ranges containers in the database hold.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ContainerConfig } from '../../../src/engine/containers/config.js';
import {
  allocateIdMap,
  type IdMap,
  imageIdSize,
  parseUserNs,
  readSubordinateRanges,
} from '../../../src/engine/containers/userns.js';
import { insertContainer } from '../../../src/engine/db/containers.js';
import { openDatabase } from '../../../src/engine/db/db.js';
import { HullError } from '../../../src/errors.js';
import { tempDir } from '../../helpers/fixtures.js';

describe('--user-ns syntax', () => {
  it('accepts host, auto and auto:size=N as podman does', () => {
    assert.deepEqual(parseUserNs('host'), { mode: 'host' });
    assert.deepEqual(parseUserNs(''), { mode: 'host' });
    assert.deepEqual(parseUserNs('auto'), { mode: 'auto' });
    assert.deepEqual(parseUserNs('auto:size=8192'), { mode: 'auto', size: 8192 });
  });
  for (const bad of ['private', 'auto:size=0', 'auto:size=x', 'auto:uidmapping=0:1:2', 'keep-id']) {
    it(`refuses ${bad}`, () => assert.throws(() => parseUserNs(bad), /--user-ns/));
  }
});

describe('subordinate id files', () => {
  it('reads only the ranges of "containers", lowest first', () => {
    const f = join(tempDir(), 'subuid');
    writeFileSync(f, 'alice:100000:65536\ncontainers:900000:10\n# comment\ncontainers:500000:20\nbroken:line\n');
    assert.deepEqual(readSubordinateRanges(f), [
      { start: 500000, count: 20 },
      { start: 900000, count: 10 },
    ]);
  });
  it('names the file when "containers" has no range, or the file is missing', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'subuid'), 'alice:100000:65536\n');
    for (const f of [join(dir, 'subuid'), join(dir, 'missing')]) {
      assert.throws(
        () => readSubordinateRanges(f),
        (err: unknown) => err instanceof HullError && err.code === 'NO_SUBIDS' && err.message.includes(f),
      );
    }
  });
});

describe('the size an image needs', () => {
  it("is the top-most passwd/group's highest id plus one, within [1024, 65536]", () => {
    const dir = tempDir();
    const top = join(dir, 'top');
    const bottom = join(dir, 'bottom');
    for (const d of [top, bottom]) mkdirSync(join(d, 'etc'), { recursive: true });
    writeFileSync(join(bottom, 'etc', 'passwd'), 'root:x:0:0::/root:/bin/sh\nbig:x:60000:60000::/:/bin/sh\n');
    writeFileSync(join(top, 'etc', 'passwd'), 'root:x:0:0::/root:/bin/sh\napp:x:5000:5000::/:/bin/sh\n');
    writeFileSync(join(bottom, 'etc', 'group'), 'root:x:0:\napp:x:7000:\n');
    assert.equal(imageIdSize([top, bottom]), 7001, 'top passwd (5000) and the only group file (7000)');
    assert.equal(imageIdSize([join(dir, 'none')]), 1024, 'no files: the minimum');
    writeFileSync(join(top, 'etc', 'passwd'), 'nobody:x:4294967294:4294967294::/:/bin/false\n');
    assert.equal(imageIdSize([top, bottom]), 7001, 'ids beyond 65536 do not make the range huge');
  });
});

describe('allocation', () => {
  function config(idMap?: IdMap): ContainerConfig {
    return { idMap } as unknown as ContainerConfig;
  }
  it('takes the lowest free range in each file, skipping ranges containers hold', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'subuid'), 'containers:1000:100\ncontainers:5000:1000\n');
    writeFileSync(join(dir, 'subgid'), 'containers:2000:3000\n');
    process.env.HULL_SUBUID = join(dir, 'subuid');
    process.env.HULL_SUBGID = join(dir, 'subgid');
    const db = openDatabase(join(dir, 'hull.db'));
    const add = (id: string, idMap: IdMap) =>
      insertContainer(db, {
        id,
        name: id,
        image: 'i',
        imageId: 'i',
        command: [],
        created: new Date(0).toISOString(),
        state: 'created',
        pid: 0,
        runtime: 'hull-runtime',
        autoRemove: false,
        config: config(idMap),
      });
    assert.deepEqual(allocateIdMap(db, 50), { uid: 1000, gid: 2000, size: 50 });
    add('a', { uid: 1000, gid: 2000, size: 50 });
    assert.deepEqual(allocateIdMap(db, 50), { uid: 1050, gid: 2050, size: 50 }, 'right after the first');
    // 60 no longer fits in the first uid range (1050..1099): the second one.
    assert.deepEqual(allocateIdMap(db, 60), { uid: 5000, gid: 2050, size: 60 });
    add('b', { uid: 5000, gid: 2050, size: 60 });
    assert.throws(() => allocateIdMap(db, 2000), /no free range of 2000 ids/);
  });
});
