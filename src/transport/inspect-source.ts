/**
 * `hull inspect` for any ImageSource (docker://, docker-archive:), in skopeo inspect's shape:
 * the top-level manifest's digest, the platform's image resolved through any index, RepoTags
 * from the registry's tag list.
 */
import { HullError } from '../errors.js';
import type { InspectOutput, InspectResult } from '../image/inspect.js';
import { formatPlatform, hostPlatform } from '../image/platform.js';
import { type PlatformSelector, platformMatches } from '../image/resolve.js';
import { isIndexType } from '../oci/media-types.js';
import type { Descriptor } from '../oci/types.js';
import { parseImageConfig, parseIndex, parseManifest } from '../oci/validate/parse.js';
import type { ImageSource } from './image-source.js';

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export async function inspectSource(
  src: ImageSource,
  opts: { platform?: PlatformSelector; name?: string; repoTags?: string[] },
): Promise<InspectResult & { topBytes: Buffer }> {
  const top = await src.getManifest();
  let m = top;
  for (let depth = 0; isIndexType(m.mediaType); depth++) {
    if (depth > 8) throw new HullError('INDEX_TOO_DEEP', `${src.label}: image indexes nest too deep`);
    const index = parseIndex(m.bytes, `${src.label}@${m.digest}`);
    const want = opts.platform ?? hostPlatform();
    const matching = index.manifests.filter((d) => d.platform && platformMatches(d.platform, want));
    const pick = want.variant ? matching[0] : (matching.find((d) => !d.platform?.variant) ?? matching[0]);
    if (!pick)
      throw new HullError(
        'PLATFORM_UNKNOWN',
        `${src.label}: no image for platform ${formatPlatform(want)}; available: ${index.manifests
          .filter((d) => d.platform)
          .map((d) => formatPlatform(d.platform!))
          .join(', ')}`,
      );
    m = await src.getManifest(pick.digest);
  }
  const manifest = parseManifest(m.bytes, `${src.label}@${m.digest}`);
  const configBytes = await readAll(await src.getBlob(manifest.config));
  const config = parseImageConfig(configBytes, `${src.label}: config ${manifest.config.digest}`);
  const output: InspectOutput = {
    ...(opts.name ? { Name: opts.name } : {}),
    Digest: top.digest,
    RepoTags: opts.repoTags ?? [],
    ...(config.created ? { Created: config.created } : {}),
    DockerVersion: (config as { docker_version?: string }).docker_version ?? '',
    Labels: config.config?.Labels ?? null,
    Architecture: config.architecture,
    ...(config.variant ? { Variant: config.variant } : {}),
    Os: config.os,
    Layers: manifest.layers.map((l) => l.digest),
    LayersData: manifest.layers.map((l: Descriptor) => ({
      MIMEType: l.mediaType,
      Digest: l.digest,
      Size: l.size,
      Annotations: l.annotations ?? null,
    })),
    Env: config.config?.Env ?? null,
  };
  return { output, manifestBytes: m.bytes, configBytes, topBytes: top.bytes };
}
