/**
 * podman's pull lines ("Trying to pull …", "Copying blob 3f4d90098f5b done", …) on stderr: what a
 * pull prints when it is not drawing bars on a terminal and not asked to be quiet.
 */
import type { LayerProgress, PullProgress } from './pull.js';

function short(digest: string): string {
  return digest.slice(digest.indexOf(':') + 1, digest.indexOf(':') + 13);
}

export function lineProgress(write: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): PullProgress {
  return {
    trying: (name) => write(`Trying to pull ${name}...`),
    layer: (desc): LayerProgress => ({
      advance() {},
      done: (how) =>
        write(`Copying blob ${short(desc.digest)} ${how === 'skipped' ? 'skipped: already exists' : 'done'}`),
    }),
    config: (desc) => write(`Copying config ${short(desc.digest)} done`),
    writingManifest: () => write('Writing manifest to image destination'),
  };
}
