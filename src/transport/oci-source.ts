/** oci: and oci-archive: as an ImageSource: the layout's blobs, always verified on read. */
import type { Readable } from 'node:stream';
import { HullError } from '../errors.js';
import { type ImageLayout, refName } from '../image/layout/layout.js';
import type { Descriptor } from '../oci/types.js';
import { type ImageSource, type ManifestBlob, sniffManifestType } from './image-source.js';
import { withArchiveLayout } from './oci-archive.js';
import type { ImageReference } from './reference.js';

export interface HeldLayout {
  layout: ImageLayout;
  /** Ends the hold: for a writable archive, `ok` writes it back, otherwise it is left untouched. */
  release(ok: boolean): Promise<void>;
}

/**
 * Keeps an oci-archive's extracted layout open across calls: withArchiveLayout runs a callback,
 * so the callback waits on a gate that release() opens (ok: write back) or fails (discard).
 */
export async function holdArchiveLayout(file: string, mode: 'read' | 'write'): Promise<HeldLayout> {
  let open!: (l: ImageLayout) => void;
  const opened = new Promise<ImageLayout>((resolve) => {
    open = resolve;
  });
  let finish!: (ok: boolean) => void;
  const gate = new Promise<void>((resolve, reject) => {
    finish = (ok) => (ok ? resolve() : reject(new Error('aborted')));
  });
  gate.catch(() => undefined);
  const done = withArchiveLayout(file, mode, async (layout) => {
    open(layout);
    await gate;
  });
  const layout = await Promise.race([opened, done.then(() => undefined as never)]);
  return {
    layout,
    async release(ok) {
      finish(ok);
      try {
        await done;
      } catch (err) {
        if (ok) throw err;
      }
    },
  };
}

export async function openLayoutFor(
  ref: Extract<ImageReference, { transport: 'oci' | 'oci-archive' }>,
  mode: 'read' | 'write',
): Promise<HeldLayout> {
  if (ref.transport === 'oci-archive') return holdArchiveLayout(ref.file, mode);
  const { ImageLayout } = await import('../image/layout/layout.js');
  const layout = mode === 'write' ? await ImageLayout.create(ref.dir) : await ImageLayout.open(ref.dir);
  return { layout, release: async () => {} };
}

export async function openOciSource(
  ref: Extract<ImageReference, { transport: 'oci' | 'oci-archive' }>,
  label: string,
): Promise<ImageSource> {
  const held = await openLayoutFor(ref, 'read');
  const { layout } = held;
  return {
    label,
    async getManifest(digest?: string): Promise<ManifestBlob> {
      const index = await layout.readIndex();
      let desc: Descriptor | undefined;
      if (digest) desc = index.manifests.find((d) => d.digest === digest) ?? { mediaType: '', digest, size: -1 };
      else if (ref.tag !== undefined) {
        desc = index.manifests.find((d) => refName(d) === ref.tag);
        if (!desc)
          throw new HullError('TAG_UNKNOWN', `${label}: tag '${ref.tag}' is not in the image layout`, {
            file: `${layout.dir}/index.json`,
            section: 'image-spec/image-layout.md#indexjson-file',
          });
      } else if (index.manifests.length === 1) desc = index.manifests[0]!;
      else
        throw new HullError(
          'TAG_REQUIRED',
          `${label}: the image layout holds ${index.manifests.length} images; name one by tag`,
          { file: `${layout.dir}/index.json` },
        );
      const bytes = await layout.readBlob(desc);
      return { bytes, mediaType: sniffManifestType(bytes, desc.mediaType || undefined), digest: desc.digest };
    },
    async getBlob(desc: Descriptor): Promise<Readable> {
      return layout.openBlob(desc);
    },
    close: () => held.release(false),
  };
}
