/**
 * What `hull inspect` shows about an image, in the shape `skopeo inspect` prints so scripts
 * that read skopeo's JSON read hull's (Name, Digest, RepoTags, Created, ..., Layers, Env).
 */
import type { Descriptor, Platform } from '../oci/types.js';
import type { ImageLayout } from './layout/layout.js';
import { resolveImage } from './resolve.js';

export interface InspectOutput {
  Name?: string;
  Digest: string;
  RepoTags: string[];
  Created?: string;
  DockerVersion: string;
  Labels: Record<string, string> | null;
  Architecture: string;
  Variant?: string;
  Os: string;
  Layers: string[];
  LayersData: Array<{ MIMEType: string; Digest: string; Size: number; Annotations: Record<string, string> | null }>;
  Env: string[] | null;
}

export interface InspectResult {
  output: InspectOutput;
  manifestBytes: Buffer;
  configBytes: Buffer;
}

export async function inspectImage(
  layout: ImageLayout,
  sel: { tag?: string; platform?: Platform; name?: string },
): Promise<InspectResult> {
  const image = await resolveImage(layout, { tag: sel.tag, platform: sel.platform });
  const { config, manifest } = image;
  const output: InspectOutput = {
    ...(sel.name ? { Name: sel.name } : {}),
    Digest: image.manifestDescriptor.digest,
    RepoTags: [],
    ...(config.created ? { Created: goTime(config.created) } : {}),
    DockerVersion: '',
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
  return { output, manifestBytes: image.manifestBytes, configBytes: image.configBytes };
}

/** skopeo prints Created as Go formats times (RFC3339Nano, no trailing zeros in the fraction). */
function goTime(created: string): string {
  return created.replace(/\.(\d*?)0+Z$/, (_m, frac: string) => (frac ? `.${frac}Z` : 'Z'));
}
