/** Reads just enough of an OCI image layout for benchmark reports. */
import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

const blob = (layout: string, d: Descriptor) => join(layout, 'blobs', ...d.digest.split(':'));

/** The layer descriptors of the manifest tagged `ref` (org.opencontainers.image.ref.name). */
export function layers(layout: string, ref: string): Descriptor[] {
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as { manifests: Descriptor[] };
  const m = index.manifests.find((d) => d.annotations?.['org.opencontainers.image.ref.name'] === ref);
  if (!m) throw new Error(`${layout}: no manifest tagged ${ref}`);
  return (JSON.parse(readFileSync(blob(layout, m), 'utf8')) as { layers: Descriptor[] }).layers;
}

/** Compressed and uncompressed (tar) bytes of the image's layers; gunzips every gzip layer. */
export async function imageSizes(layout: string, ref: string): Promise<{ compressed: number; tar: number }> {
  let compressed = 0;
  let tar = 0;
  for (const l of layers(layout, ref)) {
    compressed += l.size;
    if (l.mediaType.endsWith('+gzip')) {
      const count = new Writable({
        write(chunk: Buffer, _enc, cb) {
          tar += chunk.length;
          cb();
        },
      });
      await pipeline(createReadStream(blob(layout, l)), createGunzip(), count);
    } else if (l.mediaType.endsWith('.tar')) tar += l.size;
    else throw new Error(`cannot size layer of type ${l.mediaType}`);
  }
  return { compressed, tar };
}
