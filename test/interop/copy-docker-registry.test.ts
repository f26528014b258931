/**
 * hull copy / inspect / list-tags / login against the real CNCF registry (docker-registry,
 * started here on an ephemeral port), checked against skopeo both ways. A logging proxy in this
 * process counts requests (HEAD-skip, mounts) and can demand Basic auth (login).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { type AddressInfo, createServer as netServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { decompressStream } from '../../src/image/compression.js';
import { ImageLayout } from '../../src/image/layout/layout.js';
import { digestOf } from '../../src/oci/digest.js';
import { copyImage } from '../../src/transport/copy.js';
import { uploadSettings } from '../../src/transport/docker/upload.js';
import { startDockerRegistry } from '../helpers/docker-registry.js';
import { busyboxRootfs, hullBin, tempDir } from '../helpers/fixtures.js';
import { ok, run } from '../helpers/run.js';
import { putTwoPlatformIndex } from '../image/layout/tiny-image.js';

const execFileP = promisify(execFile);

async function freePort(): Promise<number> {
  const s = netServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

function skopeo(...args: string[]): string {
  return ok('skopeo', ['--insecure-policy', ...args]).stdout;
}

/** hull without blocking the event loop (the proxy lives in this process). */
async function hullAsync(args: string[], env: NodeJS.ProcessEnv = process.env, input?: string) {
  const child = execFileP(process.execPath, [hullBin, ...args], { env, encoding: 'utf8' });
  if (input !== undefined) {
    child.child.stdin?.end(input);
  }
  return child;
}

function layoutBlob(dir: string, digest: string): Buffer {
  return readFileSync(join(dir, 'blobs', 'sha256', digest.slice(7)));
}

function indexEntry(dir: string, tag: string): { digest: string } {
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
  return index.manifests.find(
    (d: { annotations?: Record<string, string> }) => d.annotations?.['org.opencontainers.image.ref.name'] === tag,
  );
}

describe('copy with the CNCF registry', () => {
  const tmp = tempDir('hull-copy-reg-');
  let registry: ChildProcess;
  let host = '';
  const src = join(tmp, 'src');
  const multi = join(tmp, 'multi');
  let proxy: Server;
  let proxyHost = '';
  const proxyLog: Array<{ method: string; url: string }> = [];
  let requireBasic: string | undefined;

  before(async () => {
    const port = await freePort();
    host = `127.0.0.1:${port}`;
    registry = await startDockerRegistry(tmp, host, { deletes: true });
    ok('hull', ['import', busyboxRootfs(), `oci:${src}:v1`]);
    const layout = await ImageLayout.create(multi);
    const { index } = await putTwoPlatformIndex(layout);
    await layout.tag('multi', index);
    // A proxy that logs requests and, when asked, demands Basic auth.
    proxy = createServer((req, res) => {
      proxyLog.push({ method: req.method ?? '', url: req.url ?? '' });
      if (requireBasic && req.headers.authorization !== `Basic ${Buffer.from(requireBasic).toString('base64')}`) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="hull-test"', 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
        return;
      }
      const up = request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on('error', () => res.destroy());
      req.pipe(up);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    proxyHost = `127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });
  after(() => {
    registry?.kill();
    proxy?.closeAllConnections();
    proxy?.close();
  });

  const tls = '--dest-tls-verify=false';
  const stls = '--src-tls-verify=false';

  it('pushes what skopeo pulls back bit-identical, and pulls back itself', () => {
    const top = indexEntry(src, 'v1');
    ok('hull', ['copy', tls, `oci:${src}:v1`, `docker://${host}/hull/bb:v1`]);
    const sk = join(tmp, 'sk-pull');
    skopeo('copy', stls, `docker://${host}/hull/bb:v1`, `oci:${sk}:v1`);
    assert.equal(indexEntry(sk, 'v1').digest, top.digest);
    const manifest = JSON.parse(layoutBlob(src, top.digest).toString());
    for (const d of [manifest.config, ...manifest.layers])
      assert.ok(layoutBlob(sk, d.digest).equals(layoutBlob(src, d.digest)), d.digest);
    const back = join(tmp, 'hull-pull');
    ok('hull', ['copy', stls, `docker://${host}/hull/bb:v1`, `oci:${back}:v1`]);
    assert.equal(indexEntry(back, 'v1').digest, top.digest);
    assert.ok(layoutBlob(back, manifest.layers[0].digest).equals(layoutBlob(src, manifest.layers[0].digest)));
  });

  it('pulls what skopeo pushes bit-identical', () => {
    skopeo('copy', tls, `oci:${src}:v1`, `docker://${host}/skopeo/bb:v1`);
    const raw = skopeo('inspect', '--tls-verify=false', '--raw', `docker://${host}/skopeo/bb:v1`);
    const out = join(tmp, 'from-skopeo');
    ok('hull', ['copy', stls, `docker://${host}/skopeo/bb:v1`, `oci:${out}:got`]);
    const got = indexEntry(out, 'got');
    assert.equal(got.digest, digestOf(Buffer.from(raw)));
    assert.equal(layoutBlob(out, got.digest).toString(), raw);
    for (const l of JSON.parse(raw).layers) assert.equal(digestOf(layoutBlob(out, l.digest)), l.digest);
  });

  it('copies a two-platform index with --all, and one platform without', () => {
    const idx = indexEntry(multi, 'multi');
    ok('hull', ['copy', tls, '--all', `oci:${multi}:multi`, `docker://${host}/multi/img:all`]);
    const raw = skopeo('inspect', '--tls-verify=false', '--raw', `docker://${host}/multi/img:all`);
    assert.equal(digestOf(Buffer.from(raw)), idx.digest);
    for (const m of JSON.parse(raw).manifests)
      skopeo('inspect', '--tls-verify=false', '--raw', `docker://${host}/multi/img@${m.digest}`);
    ok('hull', ['copy', tls, '--override-arch', 'arm64', `oci:${multi}:multi`, `docker://${host}/multi/img:one`]);
    const one = JSON.parse(skopeo('inspect', '--tls-verify=false', '--raw', `docker://${host}/multi/img:one`));
    assert.equal(one.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    const index = JSON.parse(layoutBlob(multi, idx.digest).toString());
    const arm = index.manifests.find(
      (m: { platform: { architecture: string } }) => m.platform.architecture === 'arm64',
    );
    assert.equal(
      digestOf(Buffer.from(skopeo('inspect', '--tls-verify=false', '--raw', `docker://${host}/multi/img:one`))),
      arm.digest,
    );
  });

  it('writes docker-archives skopeo reads, and reads skopeo docker-archives', () => {
    const top = indexEntry(src, 'v1');
    const manifest = JSON.parse(layoutBlob(src, top.digest).toString());
    const tar = join(tmp, 'hull.tar');
    ok('hull', ['copy', `oci:${src}:v1`, `docker-archive:${tar}:localhost/bb:v1`]);
    const info = JSON.parse(skopeo('inspect', `docker-archive:${tar}`));
    const config = JSON.parse(layoutBlob(src, manifest.config.digest).toString());
    assert.deepEqual(info.Layers, config.rootfs.diff_ids);
    const skOut = join(tmp, 'sk-from-hull-tar');
    skopeo('copy', `docker-archive:${tar}`, `oci:${skOut}:x`);
    const skManifest = JSON.parse(layoutBlob(skOut, indexEntry(skOut, 'x').digest).toString());
    assert.equal(skManifest.config.digest, manifest.config.digest);

    const skTar = join(tmp, 'skopeo.tar');
    skopeo('copy', `oci:${src}:v1`, `docker-archive:${skTar}:foo/bar:v2`);
    const out = join(tmp, 'from-skopeo-tar');
    ok('hull', ['copy', `docker-archive:${skTar}:foo/bar:v2`, `oci:${out}:v2`]);
    const m = JSON.parse(layoutBlob(out, indexEntry(out, 'v2').digest).toString());
    assert.equal(m.config.digest, manifest.config.digest);
    assert.equal(m.layers[0].mediaType, 'application/vnd.oci.image.layer.v1.tar+gzip');
    const ins = JSON.parse(ok('hull', ['inspect', `docker-archive:${skTar}`]).stdout);
    assert.deepEqual(ins.Layers, config.rootfs.diff_ids);
  });

  it('recompresses layers with --dest-compress-format zstd, keeping diff_ids', async () => {
    ok('hull', ['copy', tls, '--dest-compress-format', 'zstd', `oci:${src}:v1`, `docker://${host}/z/bb:v1`]);
    const raw = JSON.parse(skopeo('inspect', '--tls-verify=false', '--raw', `docker://${host}/z/bb:v1`));
    assert.equal(raw.layers[0].mediaType, 'application/vnd.oci.image.layer.v1.tar+zstd');
    const orig = JSON.parse(layoutBlob(src, indexEntry(src, 'v1').digest).toString());
    assert.equal(raw.config.digest, orig.config.digest);
    const out = join(tmp, 'zstd-back');
    ok('hull', ['copy', stls, `docker://${host}/z/bb:v1`, `oci:${out}:z`]);
    const layer = layoutBlob(out, raw.layers[0].digest);
    const d = decompressStream('zstd');
    d.end(layer);
    const chunks: Buffer[] = [];
    for await (const c of d) chunks.push(c as Buffer);
    const config = JSON.parse(layoutBlob(src, orig.config.digest).toString());
    assert.equal(digestOf(Buffer.concat(chunks)), config.rootfs.diff_ids[0]);
  });

  it('inspects and lists tags of docker:// references', () => {
    ok('hull', ['copy', tls, `oci:${src}:v1`, `docker://${host}/hull/bb:v2`]);
    const info = JSON.parse(ok('hull', ['inspect', '--tls-verify=false', `docker://${host}/hull/bb:v1`]).stdout);
    const sk = JSON.parse(skopeo('inspect', '--tls-verify=false', `docker://${host}/hull/bb:v1`));
    for (const k of ['Name', 'Digest', 'Architecture', 'Os', 'Layers', 'Env', 'Created'])
      assert.deepEqual(info[k], sk[k], k);
    assert.deepEqual([...info.RepoTags].sort(), ['v1', 'v2']);
    const tags = JSON.parse(ok('hull', ['list-tags', '--tls-verify=false', `docker://${host}/hull/bb`]).stdout);
    assert.deepEqual({ ...tags, Tags: [...tags.Tags].sort() }, { Repository: `${host}/hull/bb`, Tags: ['v1', 'v2'] });
    const raw = ok('hull', ['inspect', '--raw', '--tls-verify=false', `docker://${host}/hull/bb:v1`]).stdout;
    assert.equal(digestOf(Buffer.from(raw)), info.Digest);
    const missing = run(process.execPath, [hullBin, 'inspect', '--tls-verify=false', `docker://${host}/hull/bb:nope`]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /^hull inspect: docker:\/\/.*:nope: manifest unknown \(MANIFEST_UNKNOWN\)\n$/);
  });

  it('skips blobs the registry has (HEAD) and mounts across repositories', async () => {
    const opts = { dst: { tlsVerify: false }, src: { tlsVerify: false } };
    await copyImage(`oci:${src}:v1`, `docker://${proxyHost}/skip/bb:v1`, opts);
    proxyLog.length = 0;
    await copyImage(`oci:${src}:v1`, `docker://${proxyHost}/skip/bb:v1`, opts);
    assert.equal(proxyLog.filter((l) => l.method === 'POST' || l.method === 'PATCH').length, 0);
    assert.ok(proxyLog.filter((l) => l.method === 'HEAD').length >= 2);
    proxyLog.length = 0;
    await copyImage(`docker://${proxyHost}/skip/bb:v1`, `docker://${proxyHost}/skip/other:v1`, opts);
    const posts = proxyLog.filter((l) => l.method === 'POST');
    assert.ok(posts.length >= 2 && posts.every((p) => p.url.includes('mount=') && p.url.includes('from=skip%2Fbb')));
    assert.equal(proxyLog.filter((l) => l.method === 'PUT' && l.url.includes('/blobs/')).length, 0);
  });

  it('uploads big blobs in chunks (PATCH with Content-Range)', async () => {
    const saved = uploadSettings.chunkSize;
    uploadSettings.chunkSize = 300_000;
    proxyLog.length = 0;
    try {
      await copyImage(`oci:${src}:v1`, `docker://${proxyHost}/chunked/bb:v1`, { dst: { tlsVerify: false } });
    } finally {
      uploadSettings.chunkSize = saved;
    }
    assert.ok(proxyLog.filter((l) => l.method === 'PATCH').length >= 3);
    const out = join(tmp, 'chunked-back');
    skopeo('copy', stls, `docker://${host}/chunked/bb:v1`, `oci:${out}:v1`);
    assert.equal(indexEntry(out, 'v1').digest, indexEntry(src, 'v1').digest);
  });

  it('logs in with Basic auth, copies with the stored credentials, logs out', async () => {
    const authfile = join(tmp, 'auth.json');
    requireBasic = 'bob:pw';
    try {
      await assert.rejects(
        hullAsync(
          ['login', '--tls-verify=false', '-u', 'bob', '--password-stdin', '--authfile', authfile, proxyHost],
          process.env,
          'bad',
        ),
        /refused the credentials/,
      );
      await hullAsync(
        ['login', '--tls-verify=false', '-u', 'bob', '--password-stdin', '--authfile', authfile, proxyHost],
        process.env,
        'pw\n',
      );
      const stored = JSON.parse(readFileSync(authfile, 'utf8'));
      assert.equal(stored.auths[proxyHost].auth, Buffer.from('bob:pw').toString('base64'));
      await hullAsync(['copy', tls, '--authfile', authfile, `oci:${src}:v1`, `docker://${proxyHost}/auth/bb:v1`]);
      const env = { ...process.env, REGISTRY_AUTH_FILE: authfile };
      const { stdout } = await hullAsync(['list-tags', '--tls-verify=false', `docker://${proxyHost}/auth/bb`], env);
      assert.deepEqual(JSON.parse(stdout).Tags, ['v1']);
      await hullAsync(['logout', '--authfile', authfile, proxyHost]);
      assert.deepEqual(JSON.parse(readFileSync(authfile, 'utf8')).auths, {});
      await assert.rejects(
        hullAsync(['list-tags', '--tls-verify=false', `docker://${proxyHost}/auth/bb`], env),
        /UNAUTHORIZED|authentication required/,
      );
    } finally {
      requireBasic = undefined;
    }
  });
});
