/**
 * The image half of the engine as one library surface (what containers/ and the CLI call):
 *   openImageStore(root)               the store under --root (ROOT/images + ROOT/snapshots)
 *   resolveLocalImage(store, name)     a name, short name or id prefix → LocalImage, or undefined
 *   pullImage(store, name, opts)       pull into the store → LocalImage (its `ref` is the full name)
 *   ensureSnapshots(store, image)      overlay lowerdirs, top layer first, unpacking any missing
 * A LocalImage carries the image config (image-spec/config.md) for bundle conversion. Every
 * function takes the store or a promise of it, so callers need not await the open.
 */

import { lineProgress } from './progress-lines.js';
import type { PullOptions, PullResult } from './pull.js';
import { type ImageStore, type LocalImage, openImageStore } from './store.js';

export { candidates, familiarName, fullName, parseImageName } from './names.js';
export { lineProgress } from './progress-lines.js';
export type { PullOptions, PullProgress, PullResult } from './pull.js';
export type { DiskUsage, LocalImage, PruneResult, RemoveOptions, RemoveResult } from './store.js';
export { ImageStore, openImageStore } from './store.js';

type StoreLike = ImageStore | Promise<ImageStore>;

/** The local image `name` names (short names via the search list, ids by unique prefix), or undefined. */
export async function resolveLocalImage(store: StoreLike, name: string): Promise<LocalImage | undefined> {
  return (await store).find(name);
}

/** Pulls `name`; `quiet: false` prints podman's lines on stderr (unless a progress is given). */
export async function pullImage(
  store: StoreLike,
  name: string,
  opts: PullOptions & { quiet?: boolean } = {},
): Promise<LocalImage & { pull: Omit<PullResult, 'image'> }> {
  const { quiet, ...rest } = opts;
  if (quiet === false && !rest.progress) rest.progress = lineProgress();
  // Loaded when used: the transport and layer code are most of the engine's code, and `hull run`
  // of a local image needs none of it (its start-up is the run's, bench/run.ts).
  const { pullImage: pull } = await import('./pull.js');
  const { image, ...info } = await pull(await store, name, rest);
  return { ...image, pull: info };
}

/** The image's overlay lowerdirs, top layer first (overlayfs' lowerdir order). */
export async function ensureSnapshots(store: StoreLike, image: LocalImage): Promise<string[]> {
  return (await store).ensureSnapshots(image);
}

/** Opens the store once for callers that hold on to it. */
export function imageStore(root: string): Promise<ImageStore> {
  return openImageStore(root);
}
