import assert from 'node:assert/strict';
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Htpasswd, parseBasicAuth, parseHtpasswd } from '../../../src/registry/auth/htpasswd.js';
import { tempDir } from '../../helpers/fixtures.js';
import { htpasswdLine, writeHtpasswd } from './helpers.js';

describe('htpasswd', () => {
  it('parses bcrypt entries of every prefix, skipping comments and blank lines', () => {
    const y = htpasswdLine('alice', 'a');
    const b = htpasswdLine('bob', 'b').replace('$2y$', '$2b$');
    const a = htpasswdLine('carol', 'c').replace('$2y$', '$2a$');
    const users = parseHtpasswd(`# users\n${y}\n\n${b}\r\n${a}\n`, 'pw');
    assert.deepEqual([...users.keys()], ['alice', 'bob', 'carol']);
  });

  for (const [what, hash] of [
    ['MD5', '$apr1$abcdefgh$0123456789abcdefghijkl'],
    ['SHA1', '{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g='],
    ['crypt', 'abJnggxhB/yWI'],
    ['plain', 'secret'],
  ]) {
    it(`rejects ${what} entries naming the file and line`, () => {
      const text = `${htpasswdLine('alice', 'a')}\n# comment\nbob:${hash}\n`;
      assert.throws(
        () => parseHtpasswd(text, '/etc/hull/htpasswd'),
        (err: Error & { code?: string }) =>
          err.code === 'HTPASSWD_INVALID' &&
          err.message.startsWith('/etc/hull/htpasswd:3: user "bob"') &&
          err.message.includes('only bcrypt'),
      );
    });
  }

  it('rejects lines without a colon and duplicate users', () => {
    assert.throws(() => parseHtpasswd('alice\n', 'f'), /f:1: expected "user:hash"/);
    const line = htpasswdLine('alice', 'a');
    assert.throws(() => parseHtpasswd(`${line}\n${line}\n`, 'f'), /f:2: user "alice" appears twice/);
  });

  it('verifies passwords and reloads when the file changes', async () => {
    const dir = tempDir();
    const file = writeHtpasswd(dir, { alice: 'secret' });
    const h = new Htpasswd(file);
    assert.equal(await h.verify('alice', 'secret'), true);
    assert.equal(await h.verify('alice', 'wrong'), false);
    assert.equal(await h.verify('nobody', 'secret'), false);
    assert.equal(await h.verify('alice', 'secret'), true, 'cached success still correct');

    writeHtpasswd(dir, { alice: 'changed', bob: 'b' });
    utimesSync(file, new Date(), new Date(Date.now() + 5000)); // same-second writes must still reload
    assert.equal(await h.verify('alice', 'secret'), false, 'old password no longer works');
    assert.equal(await h.verify('alice', 'changed'), true);
    assert.equal(await h.verify('bob', 'b'), true);
  });

  it('fails at load, and on reload, when the file holds a non-bcrypt entry', async () => {
    const dir = tempDir();
    const bad = join(dir, 'bad');
    writeFileSync(bad, 'alice:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n');
    assert.throws(() => new Htpasswd(bad), /bad:1: user "alice" has a SHA1/);

    const file = writeHtpasswd(dir, { alice: 'secret' });
    const h = new Htpasswd(file);
    writeFileSync(file, 'alice:plain\n');
    utimesSync(file, new Date(), new Date(Date.now() + 10_000));
    await assert.rejects(h.verify('alice', 'secret'), /only bcrypt/);
  });

  it('parses Basic credentials', () => {
    const enc = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;
    assert.deepEqual(parseBasicAuth(enc('alice:pa:ss')), { user: 'alice', password: 'pa:ss' });
    assert.deepEqual(parseBasicAuth(enc('alice:')), { user: 'alice', password: '' });
    assert.equal(parseBasicAuth(enc('nocolon')), undefined);
    assert.equal(parseBasicAuth('Bearer abc'), undefined);
    assert.equal(parseBasicAuth(undefined), undefined);
  });
});
