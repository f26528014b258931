/**
 * From a tag (or digest) in an image layout to one image: index.json entry → image indexes
 * (nested too, choosing the platform, image-spec/image-index.md#image-index-property-descriptions)
 * → manifest → config. Every blob is verified against its descriptor and every document parsed
 * and validated before it is used.
 */
import { HullError } from '../errors.js';
import { isDigest } from '../oci/digest.js';
import { isIndexType, isManifestType, MediaType } from '../oci/media-types.js';
import type { Descriptor, ImageConfig, ImageIndex, ImageManifest, Platform } from '../oci/types.js';
import { parseImageConfig, parseIndex, parseManifest } from '../oci/validate/parse.js';
import { type ImageLayout, refName } from './layout/layout.js';
import { formatPlatform, hostPlatform } from './platform.js';

export interface PlatformSelector {
  os: string;
  architecture: string;
  variant?: string;
}

export interface ResolveOptions {
  tag?: string;
  digest?: string;
  /** Defaults to the host's platform. */
  platform?: PlatformSelector;
}

export interface ResolvedImage {
  manifestDescriptor: Descriptor;
  manifest: ImageManifest;
  manifestBytes: Buffer;
  configDescriptor: Descriptor;
  config: ImageConfig;
  configBytes: Buffer;
  /** The image indexes followed to reach the manifest, outermost first. */
  indexChain: Array<{ descriptor: Descriptor; index: ImageIndex }>;
}

const MAX_DEPTH = 8;
const INDEX_SECTION = 'image-spec/image-index.md#image-index-property-descriptions';

export async function resolveImage(layout: ImageLayout, opts: ResolveOptions = {}): Promise<ResolvedImage> {
  const platform = opts.platform ?? hostPlatform();
  let desc = await startDescriptor(layout, opts);
  const indexChain: ResolvedImage['indexChain'] = [];
  let matchedByPlatform = true;
  while (isIndexType(desc.mediaType)) {
    if (indexChain.length >= MAX_DEPTH)
      throw new HullError('INDEX_TOO_DEEP', `image indexes nest more than ${MAX_DEPTH} deep under ${desc.digest}`, {
        file: layout.blobPath(desc.digest),
      });
    const index = parseIndex(await layout.readBlob(desc), layout.blobPath(desc.digest));
    indexChain.push({ descriptor: desc, index });
    const choice = choosePlatform(layout, desc, index, platform);
    desc = choice.descriptor;
    matchedByPlatform = choice.byPlatform;
  }
  if (!isManifestType(desc.mediaType))
    throw new HullError(
      'MEDIA_TYPE_UNSUPPORTED',
      `${desc.digest} has media type '${desc.mediaType}', not an image manifest or index`,
      {
        file: layout.blobPath(desc.digest),
        section: 'image-spec/image-layout.md#indexjson-file',
      },
    );
  const manifestBytes = await layout.readBlob(desc);
  const manifest = parseManifest(manifestBytes, layout.blobPath(desc.digest));
  const configDescriptor = manifest.config;
  if (configDescriptor.mediaType !== MediaType.imageConfig && configDescriptor.mediaType !== MediaType.dockerConfig)
    throw new HullError(
      'CONFIG_UNSUPPORTED',
      `${desc.digest} is not a container image: its config has media type '${configDescriptor.mediaType}'`,
      {
        file: layout.blobPath(desc.digest),
        jsonPath: '$.config.mediaType',
        section: 'image-spec/manifest.md#guidelines-for-artifact-usage',
      },
    );
  const configBytes = await layout.readBlob(configDescriptor);
  const config = parseImageConfig(configBytes, layout.blobPath(configDescriptor.digest));
  // A manifest picked only because its descriptor had no platform must still be for the platform asked.
  if (
    !matchedByPlatform &&
    !platformMatches({ os: config.os, architecture: config.architecture, variant: config.variant }, platform)
  )
    throw new HullError(
      'PLATFORM_UNKNOWN',
      `no image for platform ${formatPlatform(platform)}: the only candidate is ${formatPlatform(config)}`,
      { file: layout.blobPath(desc.digest), section: INDEX_SECTION },
    );
  return { manifestDescriptor: desc, manifest, manifestBytes, configDescriptor, config, configBytes, indexChain };
}

/** The index.json entry named by tag and/or digest, or the only entry when neither is given. */
async function startDescriptor(layout: ImageLayout, opts: ResolveOptions): Promise<Descriptor> {
  const index = await layout.readIndex();
  const tags = index.manifests.map(refName).filter((n): n is string => n !== undefined);
  const known = tags.length ? `tags: ${tags.join(', ')}` : 'it has no tags';
  if (opts.tag !== undefined) {
    const found = index.manifests.find((d) => refName(d) === opts.tag && (!opts.digest || d.digest === opts.digest));
    if (!found)
      throw new HullError('TAG_UNKNOWN', `tag '${opts.tag}' is not in the image layout ${layout.dir} (${known})`, {
        file: `${layout.dir}/index.json`,
        section: 'image-spec/image-layout.md#indexjson-file',
      });
    return found;
  }
  if (opts.digest !== undefined) return byDigest(layout, index, opts.digest);
  if (index.manifests.length === 1) return index.manifests[0]!;
  throw new HullError(
    'TAG_REQUIRED',
    index.manifests.length
      ? `the image layout ${layout.dir} holds ${index.manifests.length} images; name one by tag (${known})`
      : `the image layout ${layout.dir} is empty`,
    { file: `${layout.dir}/index.json` },
  );
}

/** An index.json entry with that digest, else the blob itself with its media type read from it. */
async function byDigest(layout: ImageLayout, index: ImageIndex, digest: string): Promise<Descriptor> {
  if (!isDigest(digest))
    throw new HullError('DIGEST_INVALID', `invalid digest '${digest}'`, {
      section: 'image-spec/descriptor.md#digests',
    });
  const entry = index.manifests.find((d) => d.digest === digest);
  if (entry) return entry;
  const bytes = await layout.readBlob({ digest, size: -1 });
  let doc: { mediaType?: unknown; manifests?: unknown; config?: unknown };
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    doc = {};
  }
  const mediaType =
    typeof doc.mediaType === 'string'
      ? doc.mediaType
      : Array.isArray(doc.manifests)
        ? MediaType.imageIndex
        : doc.config
          ? MediaType.imageManifest
          : 'application/octet-stream';
  return { mediaType, digest, size: bytes.length };
}

function choosePlatform(
  layout: ImageLayout,
  parent: Descriptor,
  index: ImageIndex,
  want: PlatformSelector,
): { descriptor: Descriptor; byPlatform: boolean } {
  const matching = index.manifests.filter((d) => d.platform && platformMatches(d.platform, want));
  if (matching.length) {
    // With no variant asked for, prefer an entry that names none, then the first.
    const best = want.variant ? matching[0]! : (matching.find((d) => !d.platform?.variant) ?? matching[0]!);
    return { descriptor: best, byPlatform: true };
  }
  const unlabelled = index.manifests.filter(
    (d) => !d.platform && (isIndexType(d.mediaType) || isManifestType(d.mediaType)),
  );
  if (unlabelled.length === 1) return { descriptor: unlabelled[0]!, byPlatform: false };
  const available = index.manifests.filter((d) => d.platform).map((d) => formatPlatform(d.platform!));
  throw new HullError(
    'PLATFORM_UNKNOWN',
    `no image for platform ${formatPlatform(want)} in index ${parent.digest}; available: ${available.length ? available.join(', ') : 'none'}`,
    { file: layout.blobPath(parent.digest), jsonPath: '$.manifests', section: INDEX_SECTION },
  );
}

/** os and architecture equal; variant equal when asked for (arm64 without a variant is v8). */
export function platformMatches(have: Platform | PlatformSelector, want: PlatformSelector): boolean {
  if (have.os !== want.os || have.architecture !== want.architecture) return false;
  if (!want.variant) return true;
  return normVariant(have) === normVariant(want);
}

function normVariant(p: { architecture: string; variant?: string }): string | undefined {
  if (p.variant) return p.variant;
  return p.architecture === 'arm64' ? 'v8' : undefined;
}
