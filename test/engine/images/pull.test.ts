/**
 * hull pull / images / tag / rmi against a real registry (`hull registry serve` as a child
 * process, and the CNCF docker-registry), checked on disk: snapshots stacked by a real
 * read-only overlay mount equal `hull unpack`'s rootfs, a corrupt blob leaves nothing, a second
 * pull skips everything, and rmi removes exactly what no other image shares.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { debianImage, debianTag } from '../../helpers/debian.js';
import { startDockerRegistry } from '../../helpers/docker-registry.js';
import { tempDir } from '../../helpers/fixtures.js';
import { hull, ok, run } from '../../helpers/run.js';
import { diffManifests, treeManifest } from '../../helpers/tree-manifest.js';
import { spawnRegistry } from '../../registry/server/child.js';
import { writeLayeredImage } from './layered-image.js';

function blobFiles(root: string): string[] {
  const dir = join(root, 'images', 'blobs', 'sha256');
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

function snapshotDirs(root: string): string[] {
  const dir = join(root, 'snapshots');
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

/** The image's lowerdirs stacked read-only at a temp mount point; returns it and an unmount. */
function mountOverlay(lowerdirs: string[], at: string): () => void {
  mkdirSync(at, { recursive: true });
  ok('mount', ['-t', 'overlay', 'overlay', '-o', `ro,lowerdir=${lowerdirs.join(':')}`, at]);
  return () => run('umount', [at]);
}

/** Lowerdirs (top first) of the image `name` in `root`, through the library the lead calls. */
async function lowerdirs(root: string, name: string): Promise<string[]> {
  const images = await import('../../../src/engine/images/index.js');
  const store = images.openImageStore(root);
  const img = await images.resolveLocalImage(store, name);
  assert.ok(img, `${name} is in the store`);
  return images.ensureSnapshots(store, img);
}

/** Mounts the pulled image and compares it with `hull unpack` of the same layout tag. */
async function assertOverlayMatchesUnpack(root: string, name: string, layoutRef: string, tmp: string) {
  const bundle = join(tmp, `bundle-${Math.random().toString(36).slice(2)}`);
  ok('hull', ['unpack', layoutRef, bundle]);
  const merged = join(tmp, `merged-${Math.random().toString(36).slice(2)}`);
  const umount = mountOverlay(await lowerdirs(root, name), merged);
  try {
    // Directory mtimes differ by design (overlay shows the top layer's); everything else must match.
    const diffs = diffManifests(treeManifest(join(bundle, 'rootfs')), treeManifest(merged), ['unpack', 'overlay']);
    assert.deepEqual(diffs, []);
  } finally {
    umount();
  }
}

describe('hull pull from hull registry serve', async () => {
  const tmp = tempDir('hull-pull-');
  const layout = join(tmp, 'layout');
  const reg = await spawnRegistry(join(tmp, 'reg'));
  const host = reg.host;
  const imageId = await writeLayeredImage(layout, 'layers');
  ok('hull', ['copy', '--dest-tls-verify=false', `oci:${layout}:layers`, `docker://${host}/test/layers:v1`]);

  it('pulls a multi-layer image with whiteouts into snapshots whose overlay equals hull unpack', async () => {
    const root = join(tmp, 'root-overlay');
    const r = ok('hull', ['pull', '--root', root, `${host}/test/layers:v1`]);
    assert.equal(r.stdout.trim(), imageId.slice(7), 'stdout is the image id, as podman prints it');
    assert.match(r.stderr, /Trying to pull .*test\/layers:v1/);
    assert.equal(snapshotDirs(root).length, 3);
    await assertOverlayMatchesUnpack(root, `${host}/test/layers:v1`, `oci:${layout}:layers`, tmp);
  });

  it('writes whiteouts in overlay format: char 0/0 and trusted.overlay.opaque', async () => {
    const root = join(tmp, 'root-format');
    ok('hull', ['pull', '-q', '--root', root, `${host}/test/layers:v1`]);
    const [top, middle] = await lowerdirs(root, `${host}/test/layers:v1`);
    const st = statSync(join(middle!, 'etc/gone'));
    assert.ok(st.isCharacterDevice() && st.rdev === 0, 'etc/.wh.gone is a 0/0 character device');
    assert.ok(statSync(join(middle!, 'olddir')).isCharacterDevice());
    const { native } = await import('../../../src/native.js');
    assert.equal(native().lgetxattr(join(middle!, 'var/cache'), 'trusted.overlay.opaque')?.toString(), 'y');
    // A whiteout followed by a directory of that name: the directory hides the lower one.
    assert.equal(native().lgetxattr(join(top!, 'redo'), 'trusted.overlay.opaque')?.toString(), 'y');
  });

  it('a second pull skips every layer and leaves the store as it was', () => {
    const root = join(tmp, 'root-twice');
    ok('hull', ['pull', '--root', root, `${host}/test/layers:v1`]);
    const blobs = blobFiles(root);
    const snaps = snapshotDirs(root);
    const r = ok('hull', ['pull', '--root', root, `${host}/test/layers:v1`]);
    assert.equal((r.stderr.match(/skipped: already exists/g) ?? []).length, 3, r.stderr);
    assert.doesNotMatch(r.stderr, /Copying blob \w+ done/);
    assert.deepEqual(blobFiles(root), blobs);
    assert.deepEqual(snapshotDirs(root), snaps);
  });

  it('re-creates a removed snapshot from the stored blob on the next pull', async () => {
    const root = join(tmp, 'root-resnap');
    ok('hull', ['pull', '-q', '--root', root, `${host}/test/layers:v1`]);
    const victim = snapshotDirs(root)[0]!;
    run('rm', ['-rf', join(root, 'snapshots', victim)]);
    ok('hull', ['pull', '-q', '--root', root, `${host}/test/layers:v1`]);
    assert.ok(snapshotDirs(root).includes(victim));
  });

  it('images lists name, tag, id, created and size; --digests, -q, --no-trunc, --format json', () => {
    const root = join(tmp, 'root-images');
    ok('hull', ['pull', '-q', '--root', root, `${host}/test/layers:v1`]);
    const lines = ok('hull', ['images', '--root', root]).stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);
    assert.match(
      lines[1]!,
      new RegExp(`^${host}/test/layers\\s+v1\\s+${imageId.slice(7, 19)}\\s+\\d+ \\w+ ago\\s+\\d`),
    );
    const digests = ok('hull', ['images', '--root', root, '--digests']).stdout;
    assert.match(digests, /DIGEST/);
    assert.match(digests, /sha256:[a-f0-9]{64}/);
    assert.equal(ok('hull', ['images', '--root', root, '-q']).stdout, `${imageId.slice(7, 19)}\n`);
    assert.match(ok('hull', ['images', '--root', root, '--no-trunc']).stdout, new RegExp(imageId));
    const json = JSON.parse(ok('hull', ['images', '--root', root, '--format', 'json']).stdout.trim().split('\n')[0]!);
    assert.equal(json.Repository, `${host}/test/layers`);
    assert.equal(json.Tag, 'v1');
    assert.equal(json.ID, imageId.slice(7, 19));
  });

  it('tag adds a docker-normalised name; rmi by name untags, the last name deletes content', () => {
    const root = join(tmp, 'root-rmi');
    ok('hull', ['pull', '-q', '--root', root, `${host}/test/layers:v1`]);
    ok('hull', ['tag', '--root', root, `${host}/test/layers:v1`, 'mine']);
    ok('hull', ['tag', '--root', root, imageId.slice(7, 15), 'example.com/team/app:2']);
    const index = JSON.parse(readFileSync(join(root, 'images', 'index.json'), 'utf8'));
    const names = index.manifests.map(
      (d: { annotations: Record<string, string> }) => d.annotations['org.opencontainers.image.ref.name'],
    );
    assert.ok(names.includes('docker.io/library/mine:latest'), names.join(' '));
    assert.ok(names.includes('example.com/team/app:2'));
    assert.match(ok('hull', ['images', '--root', root]).stdout, /^mine\s+latest\s/m);
    // By id with several names: refused without -f (podman's status 2).
    const refused = hull(['rmi', '--root', root, imageId.slice(7, 19)]);
    assert.equal(refused.status, 2, refused.stderr);
    assert.match(refused.stderr, /referenced in multiple repositories/);
    const untag = ok('hull', ['rmi', '--root', root, 'mine']);
    assert.equal(untag.stdout, 'Untagged: mine:latest\n');
    assert.equal(snapshotDirs(root).length, 3, 'content stays while a name is left');
    ok('hull', ['rmi', '--root', root, 'example.com/team/app:2']);
    const last = ok('hull', ['rmi', '--root', root, `${host}/test/layers:v1`]);
    assert.match(last.stdout, new RegExp(`Deleted: ${imageId}`));
    assert.deepEqual(blobFiles(root), []);
    assert.deepEqual(snapshotDirs(root), []);
    assert.equal(ok('hull', ['images', '--root', root, '-q']).stdout, '');
  });

  it('rmi of an unknown image exits 1; tag of an unknown image exits 125 with one line', () => {
    const root = join(tmp, 'root-missing');
    const r = hull(['rmi', '--root', root, 'nothing-here']);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, 'hull rmi: no such image: nothing-here\n');
    const t = hull(['tag', '--root', root, 'nothing-here', 'x']);
    assert.equal(t.status, 125);
    assert.equal(t.stderr.trim().split('\n').length, 1);
  });

  it('a short name is searched on HULL_REGISTRIES in order and stored under the full name found', () => {
    const root = join(tmp, 'root-short');
    ok('hull', ['copy', '--dest-tls-verify=false', `oci:${layout}:layers`, `docker://${host}/shorty:latest`]);
    const r = hull(['pull', '--root', root, 'shorty'], { env: { ...process.env, HULL_REGISTRIES: host } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`Trying to pull ${host}/shorty:latest`));
    assert.match(ok('hull', ['images', '--root', root]).stdout, new RegExp(`^${host}/shorty\\s+latest`, 'm'));
    // The local store is checked first: resolving the short name needs no registry.
    writeFileSync(join(root, 'registries.json'), JSON.stringify({ search: [host] }));
    ok('hull', ['tag', '--root', root, 'shorty', 'shorty:copy']);
  });
});

describe('hull pull from the CNCF registry (docker-registry)', () => {
  const tmp = tempDir('hull-pull-cncf-');
  let registry: ChildProcess;
  let host = '';

  before(async () => {
    const { createServer } = await import('node:net');
    const port = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    host = `127.0.0.1:${port}`;
    registry = await startDockerRegistry(tmp, host);
  });
  after(() => registry?.kill());

  it('pulls the 3-layer debian image; its overlay equals hull unpack (103 whiteouts, one opaque)', async () => {
    const layout = debianImage();
    ok('hull', ['copy', '--dest-tls-verify=false', `oci:${layout}:${debianTag}`, `docker://${host}/debian:bench`]);
    const root = join(tmp, 'root');
    ok('hull', ['pull', '-q', '--root', root, `${host}/debian:bench`]);
    assert.equal(snapshotDirs(root).length, 3);
    await assertOverlayMatchesUnpack(root, `${host}/debian:bench`, `oci:${layout}:${debianTag}`, tmp);
  });

  it('a corrupt blob fails the pull with DIGEST_MISMATCH and leaves no blob, snapshot or temp file', () => {
    // docker-registry serves stored bytes as they are (hull's registry verifies them itself).
    const regRoot = join(tmp, 'data', 'docker', 'registry', 'v2');
    const root = join(tmp, 'root-corrupt');
    return (async () => {
      const layout = join(tmp, 'layered');
      await writeLayeredImage(layout, 'layers');
      ok('hull', ['copy', '--dest-tls-verify=false', `oci:${layout}:layers`, `docker://${host}/bad/img:1`]);
      // Flip bytes in the middle of the largest stored layer blob (blobs/sha256/XX/HEX/data in docker-registry's storage).
      const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
      const manifest = JSON.parse(
        readFileSync(join(layout, 'blobs', 'sha256', index.manifests[0].digest.slice(7)), 'utf8'),
      ) as { layers: Array<{ digest: string; size: number }> };
      const biggest = [...manifest.layers].sort((x, y) => y.size - x.size)[0]!.digest.slice(7);
      const victim = join(regRoot, 'blobs', 'sha256', biggest.slice(0, 2), biggest, 'data');
      const buf = readFileSync(victim);
      for (let i = 20; i < buf.length - 20; i += 7) buf[i] = buf[i]! ^ 0xff;
      writeFileSync(victim, buf);
      const r = hull(['pull', '-q', '--root', root, `${host}/bad/img:1`]);
      assert.equal(r.status, 125);
      assert.match(r.stderr, new RegExp(`^hull pull: .*${biggest}.*does not match`, 'm'));
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.deepEqual(blobFiles(root), []);
      assert.deepEqual(
        readdirSync(join(root, 'images', 'blobs')).filter((f) => f !== 'sha256'),
        [],
        'no temp blob files',
      );
      assert.deepEqual(snapshotDirs(root), []);
      assert.equal(JSON.parse(readFileSync(join(root, 'images', 'index.json'), 'utf8')).manifests.length, 0);
    })();
  });
});
