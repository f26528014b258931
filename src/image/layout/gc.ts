/**
 * Mark and sweep over an image layout. Marks every blob reachable from index.json through image
 * indexes (manifests, subject), manifests (config, layers, subject); sweeps the blobs/ALG/ENC
 * files that were not marked, and temp files (blobs/.tmp-*) old enough to be abandoned. The
 * caller holds the index lock so no tag can land between mark and sweep. Blobs the layout lacks
 * are allowed (image-layout.md#blobs) and skipped; a reachable manifest that cannot be read or
 * parsed aborts the collection, since its children would otherwise be swept.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { HullError } from '../../errors.js';
import { isDigest } from '../../oci/digest.js';
import { isIndexType, isManifestType } from '../../oci/media-types.js';
import type { Descriptor } from '../../oci/types.js';
import { parseJSON } from '../../oci/validate/parse.js';
import { TEMP_PREFIX } from './fs-util.js';
import type { ImageLayout } from './layout.js';

export interface GcOptions {
  /** Report what would be removed without removing anything. */
  dryRun?: boolean;
  /** Temp files younger than this are an upload in progress and are kept (default 15 minutes). */
  tempMaxAgeMs?: number;
  /**
   * Unreferenced blobs younger than this are kept (default 0). A writer that stores blobs and
   * tags them afterwards races a concurrent gc; a grace period closes that window.
   */
  blobGraceMs?: number;
}

export interface GcResult {
  /** Digests of removed blobs, and `blobs/.tmp-*` paths of removed temp files. */
  removed: string[];
  freedBytes: number;
}

export async function collectGarbage(layout: ImageLayout, opts: GcOptions): Promise<GcResult> {
  const marked = await mark(layout);
  const now = Date.now();
  const tempMaxAge = opts.tempMaxAgeMs ?? 15 * 60_000;
  const blobGrace = opts.blobGraceMs ?? 0;
  const result: GcResult = { removed: [], freedBytes: 0 };
  const sweep = async (path: string, label: string, minAge: number): Promise<void> => {
    const st = await stat(path);
    if (now - st.mtimeMs < minAge) return;
    if (!opts.dryRun) await rm(path, { recursive: true, force: true });
    result.removed.push(label);
    result.freedBytes += st.isFile() ? st.size : 0;
  };
  for (const entry of await readdir(layout.blobsDir, { withFileTypes: true })) {
    if (entry.name.startsWith(TEMP_PREFIX)) {
      await sweep(join(layout.blobsDir, entry.name), `blobs/${entry.name}`, tempMaxAge);
      continue;
    }
    if (!entry.isDirectory()) continue;
    const algDir = join(layout.blobsDir, entry.name);
    for (const blob of await readdir(algDir, { withFileTypes: true })) {
      const digest = `${entry.name}:${blob.name}`;
      // Files that are not named like blobs are not ours to judge (image-layout.md implementor's note).
      if (!blob.isFile() || !isDigest(digest) || marked.has(digest)) continue;
      await sweep(join(algDir, blob.name), digest, blobGrace);
    }
  }
  return result;
}

async function mark(layout: ImageLayout): Promise<Set<string>> {
  const marked = new Set<string>();
  const queue: Descriptor[] = [...(await layout.readIndex()).manifests];
  while (queue.length) {
    const desc = queue.pop()!;
    if (!desc || typeof desc.digest !== 'string' || marked.has(desc.digest)) continue;
    marked.add(desc.digest);
    if (!isIndexType(desc.mediaType) && !isManifestType(desc.mediaType)) continue;
    if (!(await layout.hasBlob(desc.digest))) continue;
    const path = layout.blobPath(desc.digest);
    let doc: unknown;
    try {
      doc = parseJSON(await layout.readBlob(desc), path, 'image-spec/manifest.md');
    } catch (err) {
      throw new HullError(
        'GC_ABORTED',
        `gc stopped, nothing was removed: cannot read ${desc.digest}: ${(err as Error).message}`,
        {
          file: path,
          cause: err,
        },
      );
    }
    queue.push(...children(doc));
  }
  return marked;
}

/** Descriptors a manifest or index refers to; tolerant of shape, since over-marking is safe. */
function children(doc: unknown): Descriptor[] {
  if (typeof doc !== 'object' || doc === null) return [];
  const d = doc as Record<string, unknown>;
  const out: unknown[] = [];
  if (Array.isArray(d.manifests)) out.push(...d.manifests);
  if (Array.isArray(d.layers)) out.push(...d.layers);
  if (Array.isArray(d.blobs)) out.push(...d.blobs);
  out.push(d.config, d.subject);
  return out.filter(
    (x): x is Descriptor => typeof x === 'object' && x !== null && typeof (x as Descriptor).digest === 'string',
  );
}
