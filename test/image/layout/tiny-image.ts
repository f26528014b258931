/** A tiny real image for tests: one gzip'd tar layer built with tar-stream, a config, a manifest. */
import { gzipSync } from 'node:zlib';
import * as tar from 'tar-stream';
import type { ImageLayout } from '../../../src/image/layout/layout.js';
import { digestOf } from '../../../src/oci/digest.js';
import { MediaType } from '../../../src/oci/media-types.js';
import type { Descriptor } from '../../../src/oci/types.js';

export async function tarOf(files: Record<string, string>): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, content] of Object.entries(files)) pack.entry({ name, mode: 0o644, mtime: new Date(0) }, content);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export interface TinyImage {
  manifest: Descriptor;
  config: Descriptor;
  layer: Descriptor;
}

export async function putTinyImage(
  layout: ImageLayout,
  opts: { os?: string; architecture?: string; variant?: string; content?: string } = {},
): Promise<TinyImage> {
  const raw = await tarOf({ 'hello.txt': opts.content ?? 'hello from hull\n' });
  const layer = await layout.putBlobBuffer(gzipSync(raw), MediaType.layerTarGzip);
  const config = await layout.putJSON(
    {
      architecture: opts.architecture ?? 'amd64',
      os: opts.os ?? 'linux',
      ...(opts.variant ? { variant: opts.variant } : {}),
      config: { Cmd: ['/bin/sh'] },
      rootfs: { type: 'layers', diff_ids: [digestOf(raw)] },
    },
    MediaType.imageConfig,
  );
  const manifest = await layout.putJSON(
    { schemaVersion: 2, mediaType: MediaType.imageManifest, config, layers: [layer] },
    MediaType.imageManifest,
  );
  return { manifest, config, layer };
}

/** An image index over linux/amd64 and linux/arm64 images. */
export async function putTwoPlatformIndex(
  layout: ImageLayout,
): Promise<{ index: Descriptor; amd64: TinyImage; arm64: TinyImage }> {
  const amd64 = await putTinyImage(layout, { architecture: 'amd64', content: 'amd64\n' });
  const arm64 = await putTinyImage(layout, { architecture: 'arm64', variant: 'v8', content: 'arm64\n' });
  const index = await layout.putJSON(
    {
      schemaVersion: 2,
      mediaType: MediaType.imageIndex,
      manifests: [
        { ...amd64.manifest, platform: { os: 'linux', architecture: 'amd64' } },
        { ...arm64.manifest, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
      ],
    },
    MediaType.imageIndex,
  );
  return { index, amd64, arm64 };
}
