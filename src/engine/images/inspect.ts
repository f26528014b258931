/**
 * docker image inspect's document for an image of the store (the fields scripts use): the
 * config digest as Id, familiar RepoTags, RepoDigests, the image config's Config, and RootFS
 * with the diffIDs (image-spec/config.md#properties).
 */
import { familiarName } from './names.js';
import type { LocalImage } from './store.js';

export function inspectImageDoc(img: LocalImage): Record<string, unknown> {
  const c = img.config.config ?? {};
  return {
    Id: img.id,
    RepoTags: img.names.filter((n) => !n.includes('@')).map(familiarName),
    RepoDigests: img.repoDigests.map(familiarName),
    Created: img.created ?? '',
    Architecture: img.config.architecture,
    ...(img.config.variant ? { Variant: img.config.variant } : {}),
    Os: img.config.os,
    Size: img.size,
    Config: {
      User: c.User ?? '',
      Env: c.Env ?? [],
      Entrypoint: c.Entrypoint ?? null,
      Cmd: c.Cmd ?? null,
      WorkingDir: c.WorkingDir ?? '',
      ExposedPorts: c.ExposedPorts ?? {},
      Volumes: c.Volumes ?? null,
      Labels: c.Labels ?? null,
      StopSignal: c.StopSignal ?? '',
    },
    RootFS: { Type: 'layers', Layers: img.diffIDs },
    Metadata: { ManifestDigest: img.manifestDigest },
  };
}
