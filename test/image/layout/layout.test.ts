import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { HullError } from '../../../src/errors.js';
import { ImageLayout } from '../../../src/image/layout/layout.js';
import { digestOf } from '../../../src/oci/digest.js';
import { tempDir } from '../../helpers/fixtures.js';

async function drain(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function isCode(code: string) {
  return (err: unknown) => {
    assert.ok(err instanceof HullError, `expected HullError, got ${err}`);
    assert.equal(err.code, code, err.message);
    return true;
  };
}

describe('ImageLayout create/open', () => {
  it('creates the layout files and is idempotent', async () => {
    const dir = join(tempDir(), 'layout');
    const layout = await ImageLayout.create(dir);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'oci-layout'), 'utf8')), { imageLayoutVersion: '1.0.0' });
    assert.equal(
      readFileSync(join(dir, 'index.json'), 'utf8'),
      '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}',
    );
    assert.deepEqual(readdirSync(join(dir, 'blobs')), []);
    const desc = await layout.putJSON({ a: 1 }, 'application/json');
    await layout.tag('v1', desc);
    const again = await ImageLayout.create(dir);
    assert.equal((await again.listTags()).length, 1, 'create on an existing layout keeps its index');
    assert.equal(again.dir, layout.dir);
    await ImageLayout.open(dir);
  });

  it('names the missing oci-layout file', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'index.json'), '{"schemaVersion":2,"manifests":[]}');
    mkdirSync(join(dir, 'blobs'));
    await assert.rejects(ImageLayout.open(dir), (err: unknown) => {
      assert.ok(err instanceof HullError);
      assert.equal(err.code, 'LAYOUT_INVALID');
      assert.equal(err.file, join(dir, 'oci-layout'));
      assert.match(err.message, /oci-layout does not exist/);
      return true;
    });
  });

  it('names a malformed index.json', async () => {
    const dir = join(tempDir(), 'l');
    await ImageLayout.create(dir);
    writeFileSync(join(dir, 'index.json'), '{"schemaVersion":2,');
    await assert.rejects(ImageLayout.open(dir), (err: unknown) => {
      assert.ok(err instanceof HullError);
      assert.equal(err.file, join(dir, 'index.json'));
      assert.match(err.message, /index\.json.*not valid JSON/);
      return true;
    });
  });

  it('rejects an oci-layout without imageLayoutVersion and a missing blobs dir', async () => {
    const dir = join(tempDir(), 'l');
    await ImageLayout.create(dir);
    writeFileSync(join(dir, 'oci-layout'), '{}');
    await assert.rejects(ImageLayout.open(dir), /imageLayoutVersion must be a string/);
    writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"2.0.0"}');
    await assert.rejects(ImageLayout.open(dir), isCode('LAYOUT_UNSUPPORTED'));
    writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    rmSync(join(dir, 'blobs'), { recursive: true });
    await assert.rejects(ImageLayout.open(dir), isCode('LAYOUT_INVALID'));
  });
});

describe('ImageLayout blobs', () => {
  it('round-trips a stream, a buffer and JSON', async () => {
    const layout = await ImageLayout.create(join(tempDir(), 'l'));
    const data = Buffer.from('some layer bytes\n'.repeat(10000));
    const ref = await layout.putBlob(Readable.from([data.subarray(0, 1000), data.subarray(1000)]));
    assert.deepEqual(ref, { digest: digestOf(data), size: data.length });
    assert.ok(await layout.hasBlob(ref.digest));
    assert.deepEqual(await layout.readBlob(ref), data);
    assert.deepEqual(await drain(layout.openBlob(ref)), data);
    assert.equal(readFileSync(layout.blobPath(ref.digest)).length, data.length);

    const desc = await layout.putJSON({ b: [1, 2], a: 'x' }, 'application/vnd.example+json');
    assert.equal((await layout.readBlob(desc)).toString(), '{"b":[1,2],"a":"x"}');
    assert.equal(desc.mediaType, 'application/vnd.example+json');

    const sha512 = await layout.putBlob(Readable.from([data]), undefined, { algorithm: 'sha512' });
    assert.equal(sha512.digest, digestOf(data, 'sha512'));
    assert.ok(layout.blobPath(sha512.digest).includes('/blobs/sha512/'));
    assert.deepEqual(await layout.readBlob(sha512), data);
  });

  it('verifies against the expected digest and size, leaving nothing in blobs/ on mismatch', async () => {
    const layout = await ImageLayout.create(join(tempDir(), 'l'));
    const data = Buffer.from('expected content');
    const wrong = { digest: digestOf('other content'), size: data.length };
    await assert.rejects(layout.putBlob(Readable.from([data]), wrong), isCode('DIGEST_MISMATCH'));
    await assert.rejects(
      layout.putBlob(Readable.from([data]), { digest: digestOf(data), size: 3 }),
      isCode('SIZE_MISMATCH'),
    );
    await assert.rejects(
      layout.putBlob(Readable.from([data]), { digest: digestOf(data), size: data.length + 5 }),
      isCode('SIZE_MISMATCH'),
    );
    const failing = new Readable({
      read() {
        this.destroy(new Error('network went away'));
      },
    });
    await assert.rejects(layout.putBlob(failing), /network went away/);
    assert.deepEqual(readdirSync(layout.blobsDir), [], 'no temp file and no blob left behind');
    const ok = await layout.putBlob(Readable.from([data]), { digest: digestOf(data), size: data.length });
    assert.equal(ok.digest, digestOf(data));
    assert.deepEqual(readdirSync(layout.blobsDir), ['sha256']);
  });

  it('fails reading a corrupted blob with DIGEST_MISMATCH, and a missing one with BLOB_UNKNOWN', async () => {
    const layout = await ImageLayout.create(join(tempDir(), 'l'));
    const desc = await layout.putBlobBuffer(Buffer.from('original bytes'));
    writeFileSync(layout.blobPath(desc.digest), 'tampered bytes');
    await assert.rejects(layout.readBlob(desc), isCode('DIGEST_MISMATCH'));
    await assert.rejects(drain(layout.openBlob(desc)), isCode('DIGEST_MISMATCH'));
    writeFileSync(layout.blobPath(desc.digest), 'original bytes plus');
    await assert.rejects(layout.readBlob(desc), isCode('SIZE_MISMATCH'));
    await assert.rejects(drain(layout.openBlob(desc)), isCode('SIZE_MISMATCH'));

    const missing = { digest: digestOf('never stored'), size: 12 };
    assert.equal(await layout.hasBlob(missing.digest), false);
    assert.throws(
      () => layout.openBlob(missing),
      (err: unknown) => {
        assert.ok(err instanceof HullError);
        assert.equal(err.code, 'BLOB_UNKNOWN');
        assert.equal(err.file, layout.blobPath(missing.digest));
        return true;
      },
    );
    await assert.rejects(layout.readBlob(missing), isCode('BLOB_UNKNOWN'));
  });

  it('refuses digests that could name a path outside blobs/', async () => {
    const layout = await ImageLayout.create(join(tempDir(), 'l'));
    assert.throws(() => layout.blobPath('sha256:../../etc/passwd'), isCode('DIGEST_INVALID'));
    assert.throws(() => layout.openBlob({ digest: 'md5:abc', size: 1 }), isCode('DIGEST_INVALID'));
  });
});
