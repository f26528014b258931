/**
 * hull's registry against real clients: skopeo copies both ways (bit-identical blobs), inspects,
 * lists tags and deletes; podman pushes and pulls with a private store (vfs, its own root and
 * runroot, so the host's podman store is never touched).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { busyboxRootfs, tempDir } from '../helpers/fixtures.js';
import { ok, run } from '../helpers/run.js';
import { spawnRegistry } from '../registry/server/child.js';

interface Desc {
  digest: string;
  annotations?: Record<string, string>;
}

function blobFile(layout: string, digest: string): string {
  return join(layout, 'blobs', ...digest.split(':'));
}

/** The manifest digest tagged `tag` in a layout and every blob digest it reaches. */
function imageBlobs(layout: string, tag: string): { manifest: string; blobs: string[] } {
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as { manifests: Desc[] };
  const d =
    index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag) ?? index.manifests[0]!;
  const manifest = JSON.parse(readFileSync(blobFile(layout, d.digest), 'utf8')) as { config: Desc; layers: Desc[] };
  return { manifest: d.digest, blobs: [manifest.config.digest, ...manifest.layers.map((l) => l.digest)] };
}

describe('registry interop: skopeo and podman', async () => {
  const work = tempDir('hull-registry-interop-');
  const layout = join(work, 'layout');
  ok('hull', ['import', busyboxRootfs(), `oci:${layout}:bb`, '--quiet']);
  const reg = await spawnRegistry(join(work, 'root'), ['--enable-delete']);
  const ref = (name: string) => `docker://${reg.host}/${name}`;

  test('skopeo copy oci: → registry → oci: gives bit-identical manifest and blobs', () => {
    ok('skopeo', ['copy', '--dest-tls-verify=false', `oci:${layout}:bb`, ref('test/bb:v1')]);
    const back = join(work, 'back');
    ok('skopeo', ['copy', '--src-tls-verify=false', ref('test/bb:v1'), `oci:${back}:bb`]);
    const src = imageBlobs(layout, 'bb');
    const dst = imageBlobs(back, 'bb');
    assert.deepEqual(dst, src);
    for (const d of [src.manifest, ...src.blobs])
      assert.ok(readFileSync(blobFile(layout, d)).equals(readFileSync(blobFile(back, d))), d);
  });

  test('skopeo inspect and list-tags', () => {
    ok('skopeo', ['copy', '--dest-tls-verify=false', `oci:${layout}:bb`, ref('test/bb:v2')]);
    const info = JSON.parse(ok('skopeo', ['inspect', '--tls-verify=false', ref('test/bb:v1')]).stdout);
    assert.equal(info.Digest, imageBlobs(layout, 'bb').manifest);
    assert.equal(info.Layers.length, imageBlobs(layout, 'bb').blobs.length - 1);
    const tags = JSON.parse(ok('skopeo', ['list-tags', '--tls-verify=false', ref('test/bb')]).stdout);
    assert.deepEqual(tags.Tags, ['v1', 'v2']);
  });

  test('skopeo copy to a second repository mounts blobs', () => {
    ok('skopeo', ['copy', '--src-tls-verify=false', '--dest-tls-verify=false', ref('test/bb:v1'), ref('other/bb:v1')]);
    assert.ok(ok('skopeo', ['inspect', '--tls-verify=false', ref('other/bb:v1')]).stdout.includes('Digest'));
  });

  test('skopeo delete removes the manifest (deletes enabled)', () => {
    ok('skopeo', ['delete', '--tls-verify=false', ref('other/bb:v1')]);
    const r = run('skopeo', ['inspect', '--tls-verify=false', ref('other/bb:v1')]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /manifest unknown|not found/i);
  });

  test('podman push and pull with a private store', () => {
    const podman = [
      '--root',
      join(work, 'podman-root'),
      '--runroot',
      join(work, 'podman-run'),
      '--storage-driver',
      'vfs',
      '--cgroup-manager',
      'cgroupfs',
      '--events-backend',
      'file',
    ];
    // podman names an oci: pull after its (mixed-case temp) path; put it in the store by name instead.
    const storage = `containers-storage:[vfs@${join(work, 'podman-root')}+${join(work, 'podman-run')}]localhost/bb:v1`;
    ok('skopeo', ['copy', `oci:${layout}:bb`, storage]);
    ok('podman', [...podman, 'push', '--quiet', '--tls-verify=false', 'localhost/bb:v1', `${reg.host}/podman/bb:v1`]);
    ok('podman', [...podman, 'rmi', '--all', '--force']);
    ok('podman', [...podman, 'pull', '--quiet', '--tls-verify=false', `${reg.host}/podman/bb:v1`]);
    const again = ok('podman', [...podman, 'images', '--format', '{{.Repository}}:{{.Tag}}']).stdout;
    assert.match(again, new RegExp(`${reg.host}/podman/bb:v1`));
    const info = JSON.parse(ok('skopeo', ['inspect', '--tls-verify=false', ref('podman/bb:v1')]).stdout);
    assert.equal(info.Layers.length, 1);
  });
});
