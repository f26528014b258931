/**
 * oci: and oci-archive: as an ImageDestination. Blobs land verified (put-blob.ts renames only
 * complete, matching content into place); the tag is written last, so a failed copy leaves the
 * layout's index.json unchanged (blobs it added stay until `gc`, since another writer may share them).
 */
import type { Readable } from 'node:stream';
import type { BlobRef } from '../image/layout/put-blob.js';
import { digestOf } from '../oci/digest.js';
import type { ImageDestination } from './image-destination.js';
import { openLayoutFor } from './oci-source.js';
import type { ImageReference } from './reference.js';

export async function openOciDestination(
  ref: Extract<ImageReference, { transport: 'oci' | 'oci-archive' }>,
  label: string,
): Promise<ImageDestination> {
  const held = await openLayoutFor(ref, 'write');
  const { layout } = held;
  let finished = false;
  return {
    label,
    caps: { manifestFormat: 'oci', compressUncompressed: true, supportsIndex: true },
    hasBlob: (desc: BlobRef) => layout.hasBlob(desc.digest),
    putBlob: (source: Readable, expected: BlobRef | undefined) => layout.putBlob(source, expected),
    async putManifest(bytes, mediaType, top) {
      const desc = { mediaType, digest: digestOf(bytes), size: bytes.length };
      await layout.putBlob((await import('node:stream')).Readable.from([bytes]), {
        digest: desc.digest,
        size: desc.size,
      });
      if (!top) return;
      if (ref.tag !== undefined) await layout.tag(ref.tag, desc);
      else
        await layout.updateIndex((index) => {
          if (!index.manifests.some((d) => d.digest === desc.digest && !d.annotations)) index.manifests.push(desc);
          return index;
        });
    },
    async commit() {
      finished = true;
      await held.release(true);
    },
    async abort() {
      if (finished) return;
      finished = true;
      await held.release(false);
    },
  };
}
