/**
 * hull copy draws one progress bar per blob on a terminal (as podman and skopeo do) and
 * nothing when its output is not a terminal or with --quiet, so scripts and CI logs stay clean.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { ImageLayout } from '../../src/image/layout/layout.js';
import { hullBin, tempDir } from '../helpers/fixtures.js';
import { okAsync } from '../helpers/run.js';
import { putTinyImage, type TinyImage } from '../image/layout/tiny-image.js';
import { runInPty } from '../registry/pty.js';

describe('hull copy progress', () => {
  const tmp = tempDir('hull-progress-');
  const src = join(tmp, 'src');
  let img: TinyImage;
  before(async () => {
    const layout = await ImageLayout.create(src);
    img = await putTinyImage(layout, { content: 'y'.repeat(300_000) });
    await layout.tag('v1', img.manifest);
  });

  const short = (digest: string) => digest.slice(digest.indexOf(':') + 1, digest.indexOf(':') + 13);

  it('on a terminal: a bar per blob, naming it, its size, and whether it was sent or skipped', async () => {
    const dst = join(tmp, 'tty');
    const first = await runInPty([process.execPath, hullBin, 'copy', `oci:${src}:v1`, `oci:${dst}:v1`]);
    assert.equal(first.status, 0, first.output);
    for (const d of [img.config, img.layer]) assert.match(first.output, new RegExp(`blob ${short(d.digest)} \\[`));
    assert.match(first.output, /[█░]/, 'bars are drawn');
    const again = await runInPty([process.execPath, hullBin, 'copy', `oci:${src}:v1`, `oci:${dst}:v1`]);
    assert.equal(again.status, 0, again.output);
    assert.match(again.output, /skipped/, 'blobs already there are shown as skipped');
  });

  it('without a terminal, or with --quiet: no progress output at all', async () => {
    const piped = await okAsync(process.execPath, [hullBin, 'copy', `oci:${src}:v1`, `oci:${join(tmp, 'pipe')}:v1`]);
    assert.equal(piped.stderr, '');
    assert.equal(piped.stdout, '');
    const quiet = await runInPty([
      process.execPath,
      hullBin,
      'copy',
      '--quiet',
      `oci:${src}:v1`,
      `oci:${join(tmp, 'q')}:v1`,
    ]);
    assert.equal(quiet.status, 0, quiet.output);
    assert.equal(quiet.output.trim(), '');
  });
});
