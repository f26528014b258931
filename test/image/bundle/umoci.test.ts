/**
 * convertImageConfig against umoci 0.4.7's `umoci unpack` for the same image: umoci builds the
 * image (umoci new/insert/config), unpacks it, and its config.json's process and annotations are
 * compared with ours for the config blob read from the layout.
 *
 * Deliberate differences (each asserted, so a change in either side is noticed):
 * - Labels vs implicit annotations: conversion.md#annotations says Labels MUST take precedence;
 *   umoci overwrites a label such as org.opencontainers.image.os with the implicit value.
 * - Absent image fields: umoci writes empty annotations (author, stopSignal, exposedPorts); we
 *   write none (there is no value to copy).
 * - No Entrypoint and no Cmd: umoci keeps its template's ["sh"]; we leave args empty rather than
 *   invent a command (conversion.md gives no default).
 * - An image HOME: umoci overwrites it with the passwd home; conversion.md#verbatim-fields note 1
 *   says a converter SHOULD NOT add a name present in Config.Env, so we keep the image's.
 * Outside process and annotations the templates differ by design (umoci uses runtime-tools'
 * example, we use runc's), so only process.{args,env,cwd,user,terminal}, annotations and the
 * volume mounts are compared.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { convertImageConfig } from '../../../src/image/bundle/convert.js';
import type { RuntimeSpec } from '../../../src/image/bundle/spec-types.js';
import type { ImageConfig, ImageIndex, ImageManifest } from '../../../src/oci/types.js';
import { busyboxRootfs, tempDir } from '../../helpers/fixtures.js';

const haveUmoci = spawnSync('umoci', ['--version']).status === 0;
const isRoot = process.geteuid?.() === 0;

function umoci(...args: string[]): void {
  execFileSync('umoci', args, { stdio: 'pipe' });
}

function blob(layout: string, digest: string): Buffer {
  const [alg, hex] = digest.split(':') as [string, string];
  return readFileSync(join(layout, 'blobs', alg, hex));
}

/** The image config of tag in layout: index.json → manifest (by ref.name) → config blob. */
function imageConfig(layout: string, tag: string): ImageConfig {
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as ImageIndex;
  const desc = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag);
  assert.ok(desc, `tag ${tag} in ${layout}/index.json`);
  const manifest = JSON.parse(blob(layout, desc.digest).toString('utf8')) as ImageManifest;
  return JSON.parse(blob(layout, manifest.config.digest).toString('utf8')) as ImageConfig;
}

interface Pair {
  umoci: RuntimeSpec;
  ours: RuntimeSpec;
}

describe('convertImageConfig vs umoci unpack', { skip: !haveUmoci || !isRoot ? 'needs umoci and root' : false }, () => {
  const work = haveUmoci && isRoot ? tempDir('hull-umoci-convert-') : '';
  const layout = join(work, 'L');
  let base = false;

  /** Builds tag from the base image with `umoci config` flags, unpacks it, converts it. */
  function build(tag: string, configArgs: string[]): Pair {
    if (!base) {
      umoci('init', '--layout', layout);
      umoci('new', '--image', `${layout}:base`);
      // The busybox fixture's passwd and group, so names resolve in both.
      const etc = join(work, 'src', 'etc');
      mkdirSync(etc, { recursive: true });
      copyFileSync(join(busyboxRootfs(), 'etc/passwd'), join(etc, 'passwd'));
      copyFileSync(join(busyboxRootfs(), 'etc/group'), join(etc, 'group'));
      umoci('insert', '--image', `${layout}:base`, etc, '/etc');
      base = true;
    }
    umoci('config', '--image', `${layout}:base`, '--tag', tag, ...configArgs);
    const bundle = join(work, `bundle-${tag}`);
    umoci('unpack', '--image', `${layout}:${tag}`, bundle);
    const theirs = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as RuntimeSpec;
    const ours = convertImageConfig(imageConfig(layout, tag), join(bundle, 'rootfs'), { terminal: true });
    return { umoci: theirs, ours };
  }

  function sameProcess(p: Pair): void {
    assert.deepEqual(p.ours.process?.args, p.umoci.process?.args, 'process.args');
    assert.deepEqual(p.ours.process?.env, p.umoci.process?.env, 'process.env');
    assert.equal(p.ours.process?.cwd, p.umoci.process?.cwd, 'process.cwd');
    assert.equal(p.ours.process?.terminal, p.umoci.process?.terminal, 'process.terminal');
    assert.deepEqual(p.ours.process?.user, p.umoci.process?.user, 'process.user');
  }

  it('full config with a named user: process, annotations and volume mounts match', () => {
    const p = build('full', [
      '--config.entrypoint',
      '/bin/echo',
      '--config.cmd',
      'hello',
      '--config.cmd',
      'world',
      '--config.env',
      'FOO=bar',
      '--config.env',
      'PATH=/x',
      '--config.user',
      'user',
      '--config.workingdir',
      '/w',
      '--config.exposedports',
      '80/tcp',
      '--config.exposedports',
      '443/tcp',
      '--config.exposedports',
      '8080',
      '--config.label',
      'a=b',
      '--config.volume',
      '/data',
      '--config.volume',
      '/cache',
      '--config.stopsignal',
      'SIGTERM',
      '--author',
      'me',
    ]);
    sameProcess(p);
    assert.deepEqual(p.ours.process?.user, { uid: 1000, gid: 1000, additionalGids: [10, 29] });
    assert.deepEqual(p.ours.annotations, p.umoci.annotations);
    const vols = (s: RuntimeSpec) =>
      (s.mounts ?? []).filter((m) => m.destination === '/data' || m.destination === '/cache');
    // umoci's order follows Go map iteration; ours is sorted.
    const byDest = (a: { destination: string }, b: { destination: string }) =>
      a.destination.localeCompare(b.destination);
    assert.deepEqual(vols(p.ours), vols(p.umoci).sort(byDest));
  });

  it('numeric uid with a passwd entry, and uid:group', () => {
    sameProcess(build('num', ['--config.user', '1000', '--config.cmd', 'sh']));
    sameProcess(build('numgroup', ['--config.user', '1000:audio', '--config.cmd', 'sh']));
    sameProcess(build('numnum', ['--config.user', '4242:4343', '--config.cmd', 'sh']));
  });

  it('no User: root with its passwd groups and HOME', () => {
    const p = build('root', ['--config.cmd', 'sh']);
    sameProcess(p);
    assert.deepEqual(p.ours.process?.user, { uid: 0, gid: 0, additionalGids: [10] });
  });

  it('differences: label precedence and absent fields', () => {
    const p = build('labels', ['--config.cmd', 'sh', '--config.label', 'org.opencontainers.image.os=custom']);
    sameProcess(p);
    assert.equal(p.umoci.annotations?.['org.opencontainers.image.os'], 'linux');
    assert.equal(p.ours.annotations?.['org.opencontainers.image.os'], 'custom');
    // umoci writes "" for the fields the image does not have; we leave them out.
    for (const key of ['author', 'stopSignal', 'exposedPorts']) {
      assert.equal(p.umoci.annotations?.[`org.opencontainers.image.${key}`], '');
      assert.equal(p.ours.annotations?.[`org.opencontainers.image.${key}`], undefined);
    }
    const { 'org.opencontainers.image.os': _a, ...theirs } = p.umoci.annotations ?? {};
    const { 'org.opencontainers.image.os': _b, ...ours } = p.ours.annotations ?? {};
    const nonEmpty = Object.fromEntries(Object.entries(theirs).filter(([, v]) => v !== ''));
    assert.deepEqual(ours, nonEmpty);
  });

  it('difference: no Entrypoint or Cmd', () => {
    const p = build('nocmd', ['--clear', 'config.cmd', '--clear', 'config.entrypoint']);
    assert.deepEqual(p.umoci.process?.args, ['sh']);
    assert.deepEqual(p.ours.process?.args, []);
  });

  it('difference: an image HOME is kept', () => {
    const p = build('home', ['--config.user', 'user', '--config.env', 'HOME=/data', '--config.cmd', 'sh']);
    assert.ok(p.umoci.process?.env?.includes('HOME=/home/user'));
    assert.ok(p.ours.process?.env?.includes('HOME=/data'));
    assert.ok(!p.ours.process?.env?.includes('HOME=/home/user'));
  });
});
