/**
 * Random container names (docker's adjective_surname): there are 400 of them, so 50 containers
 * collide with odds of ~95%. A container created without --name whose random name is taken gets
 * another one with digits added, as docker's; a name asked for stays an error (exit 125).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { randomName } from '../../../src/engine/containers/names.js';
import { deleteContainerRow, getContainer, insertContainer } from '../../../src/engine/db/containers.js';
import { openDatabase } from '../../../src/engine/db/db.js';
import { type EngineEnv, engineEnv } from './engine-env.js';

describe('random container names', () => {
  let e: EngineEnv;
  before(async () => {
    e = await engineEnv();
  });
  after(() => e?.close());

  it('a create without --name succeeds when every plain random name is taken', () => {
    // Every adjective_surname pair, found by drawing (about 2,400 draws collect all 400).
    const all = new Set<string>();
    for (let i = 0; i < 100_000 && all.size < 400; i++) all.add(randomName());
    assert.equal(all.size, 400);
    e.ok(['ps', '-a']); // the engine's database exists
    const db = openDatabase(join(e.root, 'hull.db'));
    const ids = [...all].map((name, i) => {
      const id = `${i.toString(16).padStart(4, '0')}${'0'.repeat(60)}`;
      insertContainer(db, {
        id,
        name,
        image: 'taken',
        imageId: 'sha256:0',
        command: [],
        created: new Date().toISOString(),
        state: 'exited',
        pid: 0,
        runtime: 'hull-runtime',
        autoRemove: false,
        config: { network: 'none' } as never,
      });
      return id;
    });
    try {
      const id = e.ok(['create', '--network', 'none', e.image, 'true']).stdout.trim();
      assert.match(getContainer(db, id)?.name ?? '', /^[a-z]+_[a-z]+\d+$/);
      e.ok(['rm', id]);
      const taken = e.hull(['create', '--name', [...all][0] as string, '--network', 'none', e.image, 'true']);
      assert.equal(taken.status, 125);
      assert.match(taken.stderr, /already in use/);
    } finally {
      for (const id of ids) deleteContainerRow(db, id);
      db.close();
    }
  });
});
