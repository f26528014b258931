/**
 * `hull inspect NAME` as docker inspect: a bare name or id is the engine's container (or, when no
 * container has it, the engine's image), printed as a one-element JSON array; `oci:…` and
 * `docker://…` keep their transport forms (skopeo's document).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type EngineEnv, engineEnv, suffix } from './engine-env.js';

describe('hull inspect of the engine', () => {
  let e: EngineEnv;
  before(async () => {
    e = await engineEnv();
  });
  after(() => e?.close());

  it('a container by name and by id prefix: its docker inspect document', () => {
    const name = `insp-${suffix()}`;
    const id = e.ok(['create', '--network', 'none', '--name', name, '-e', 'K=V', e.image, 'echo', 'hi']).stdout.trim();
    const byName = JSON.parse(e.ok(['inspect', name]).stdout) as Array<Record<string, unknown>>;
    assert.equal(byName.length, 1);
    const doc = byName[0] as { Id: string; Name: string; State: { Status: string }; Config: { Env: string[] } };
    assert.equal(doc.Id, id);
    assert.equal(doc.Name, `/${name}`);
    assert.equal(doc.State.Status, 'created');
    assert.ok(doc.Config.Env.includes('K=V'));
    const byId = JSON.parse(e.ok(['inspect', id.slice(0, 12)]).stdout) as Array<{ Id: string }>;
    assert.equal(byId[0]?.Id, id);
    e.ok(['rm', name]);
  });

  it('an image by name: its id, tags and config', () => {
    e.ok(['pull', '-q', e.image]);
    const docs = JSON.parse(e.ok(['inspect', e.image]).stdout) as Array<{
      Id: string;
      RepoTags: string[];
      Config: { Env: string[]; WorkingDir: string };
    }>;
    assert.equal(docs.length, 1);
    const img = docs[0];
    assert.match(img?.Id ?? '', /^sha256:[0-9a-f]{64}$/);
    assert.ok(img?.RepoTags.includes(e.image), JSON.stringify(img?.RepoTags));
    assert.ok(img?.Config.Env.includes('GREETING=hello from the image'));
    assert.equal(img?.Config.WorkingDir, '/tmp');
  });

  it('docker:// keeps the transport form (skopeo inspect)', () => {
    const doc = JSON.parse(e.ok(['inspect', '--tls-verify=false', `docker://${e.image}`]).stdout) as {
      Name: string;
      Digest: string;
    };
    assert.equal(doc.Name, e.image.replace(/:latest$/, ''));
    assert.match(doc.Digest, /^sha256:/);
  });

  it('a name that is neither a container nor an image: one error line, exit 1', () => {
    const r = e.hull(['inspect', `no-such-${suffix()}`]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /no such object/i);
  });
});
