/** The image toolkit through the CLI, as users run it: import, inspect, list-tags, unpack, validate. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { busyboxRootfs, tempDir } from '../helpers/fixtures.js';
import { snapshotDir } from '../helpers/layout-snapshot.js';
import { hull, ok } from '../helpers/run.js';

describe('hull import / inspect / list-tags / unpack', () => {
  const work = tempDir();
  const layout = join(work, 'layout');
  const rootfs = busyboxRootfs();

  test('import makes a tagged single-layer image and prints its manifest digest', () => {
    const r = ok('hull', [
      'import',
      rootfs,
      `oci:${layout}:bb`,
      '--cmd',
      '["sh","-c","echo hi"]',
      '--env',
      'A=1',
      '--env',
      'PATH=/bin',
      '--workdir',
      '/tmp',
      '--user',
      'user',
      '--label',
      'org.example=yes',
      '--expose',
      '80',
      '--stop-signal',
      'SIGINT',
      '--quiet',
    ]);
    assert.equal(r.stdout, '');
    const r2 = ok('hull', ['import', rootfs, `oci:${layout}:bb2`, '--compression', 'zstd']);
    assert.match(r2.stdout.trim(), /^sha256:[0-9a-f]{64}$/);
  });

  test('inspect prints skopeo-shaped JSON with the config the flags set', () => {
    const out = JSON.parse(ok('hull', ['inspect', `oci:${layout}:bb`]).stdout);
    assert.match(out.Digest, /^sha256:/);
    assert.equal(out.Os, 'linux');
    assert.equal(out.Layers.length, 1);
    assert.equal(out.LayersData[0].MIMEType, 'application/vnd.oci.image.layer.v1.tar+gzip');
    assert.deepEqual(out.Env, ['A=1', 'PATH=/bin']);
    assert.deepEqual(out.Labels, { 'org.example': 'yes' });
    const zstd = JSON.parse(ok('hull', ['inspect', `oci:${layout}:bb2`]).stdout);
    assert.equal(zstd.LayersData[0].MIMEType, 'application/vnd.oci.image.layer.v1.tar+zstd');
    const config = JSON.parse(ok('hull', ['inspect', '--config', `oci:${layout}:bb`]).stdout);
    assert.deepEqual(config.config.Cmd, ['sh', '-c', 'echo hi']);
    assert.deepEqual(config.config.ExposedPorts, { '80/tcp': {} });
    const raw = ok('hull', ['inspect', '--raw', `oci:${layout}:bb`]).stdout;
    assert.equal(JSON.parse(raw).mediaType, 'application/vnd.oci.image.manifest.v1+json');
  });

  test('list-tags lists both tags, as a table and as JSON', () => {
    const table = ok('hull', ['list-tags', `oci:${layout}`]).stdout;
    assert.match(table, /^TAG\s+DIGEST/);
    assert.match(table, /\nbb\s+sha256:/);
    const json = JSON.parse(ok('hull', ['list-tags', '--format', 'json', `oci:${layout}`]).stdout);
    assert.deepEqual(json.Tags, ['bb', 'bb2']);
    assert.match(json.Manifests[0].Digest, /^sha256:/);
  });

  test('unpack writes rootfs and a config.json converted from the image config', () => {
    const bundle = join(work, 'bundle');
    ok('hull', ['unpack', `oci:${layout}:bb`, bundle]);
    assert.ok(existsSync(join(bundle, 'rootfs/bin/busybox')));
    const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
    assert.deepEqual(spec.process.args, ['sh', '-c', 'echo hi']);
    assert.equal(spec.process.cwd, '/tmp');
    assert.equal(spec.process.user.uid, 1000);
    assert.ok(spec.process.env.includes('A=1'));
    assert.equal(spec.annotations['org.opencontainers.image.stopSignal'], 'SIGINT');
    assert.equal(ok('hull', ['validate', 'bundle', bundle]).status, 0);
    const zb = join(work, 'bundle-zstd');
    ok('hull', ['unpack', `oci:${layout}:bb2`, zb]);
    assert.ok(existsSync(join(zb, 'rootfs/bin/busybox')));
  });

  test('unpack refuses a non-empty bundle directory and leaves it as it was', () => {
    const bundle = join(work, 'bundle');
    const r = hull(['unpack', `oci:${layout}:bb`, bundle]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /not empty/);
    assert.ok(existsSync(join(bundle, 'rootfs/bin/busybox')));
  });

  test('validate image accepts what import made', () => {
    const r = hull(['validate', 'image', `oci:${layout}:bb`]);
    assert.equal(r.status, 0, r.stderr);
  });
});

describe('bad input: one clear line, a non-zero exit, nothing changed', () => {
  const work = tempDir();
  const layout = join(work, 'layout');
  ok('hull', ['import', busyboxRootfs(), `oci:${layout}:bb`, '--quiet']);

  test('an unknown flag is a usage error naming the flag (exit 2)', () => {
    const r = hull(['unpack', '--bogus', `oci:${layout}:bb`, join(work, 'x')]);
    assert.equal(r.status, 2);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.match(r.stderr, /unknown option '--bogus'/);
  });

  test('an unknown command and missing arguments are usage errors', () => {
    assert.equal(hull(['frobnicate']).status, 2);
    const r = hull(['unpack', `oci:${layout}:bb`]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /missing arguments/);
  });

  test('every command answers --help', () => {
    for (const c of ['import', 'unpack', 'inspect', 'list-tags', 'validate']) {
      const r = hull([c, '--help']);
      assert.equal(r.status, 0, c);
      assert.match(r.stdout, new RegExp(`^Usage: hull ${c}`), c);
    }
  });

  test('a missing tag names the tag and the layout', () => {
    const r = hull(['unpack', `oci:${layout}:nope`, join(work, 'b1')]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /nope/);
    assert.equal(existsSync(join(work, 'b1')), false, 'no bundle left behind');
  });

  test('a corrupt layer blob fails the unpack, removes the bundle, and validate names the blob', () => {
    const copy = join(work, 'corrupt');
    ok('cp', ['-a', layout, copy]);
    const manifest = JSON.parse(ok('hull', ['inspect', '--raw', `oci:${copy}:bb`]).stdout);
    const blob = join(copy, 'blobs/sha256', manifest.layers[0].digest.slice(7));
    const bytes = readFileSync(blob);
    const at = bytes.length - 20;
    bytes[at] = bytes[at]! ^ 0xff;
    writeFileSync(blob, bytes);
    const before = snapshotDir(copy);
    const bundle = join(work, 'b2');
    const r = hull(['unpack', `oci:${copy}:bb`, bundle]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /digest|gzip|invalid|check/i);
    assert.equal(existsSync(bundle), false, 'no half-unpacked bundle');
    const v = hull(['validate', 'image', `oci:${copy}:bb`]);
    assert.equal(v.status, 1);
    assert.match(v.stderr, new RegExp(manifest.layers[0].digest.slice(7, 20)));
    assert.deepEqual(snapshotDir(copy), before, 'the layout is unchanged');
  });

  test('import from a missing directory fails and leaves the layout unchanged', () => {
    const before = snapshotDir(layout);
    const r = hull(['import', join(work, 'missing'), `oci:${layout}:x`]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /missing/);
    assert.deepEqual(snapshotDir(layout), before);
  });

  test('import without a tag is a usage error and leaves the layout unchanged', () => {
    const before = snapshotDir(layout);
    const r = hull(['import', busyboxRootfs(), `oci:${layout}`]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /names no tag/);
    assert.deepEqual(snapshotDir(layout), before);
  });

  test('an import that fails mid-way (zstd codec missing) leaves the layout exactly as it was', () => {
    const before = snapshotDir(layout);
    const r = hull(['import', busyboxRootfs(), `oci:${layout}:z`, '--compression', 'zstd'], {
      env: { ...process.env, PATH: '/nonexistent' },
    });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /zstd/);
    assert.deepEqual(snapshotDir(layout), before);
  });
});
