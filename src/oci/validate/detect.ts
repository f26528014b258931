/** Guesses which image-spec document a parsed JSON value is, from its mediaType or its shape. */
import { isIndexType, isManifestType, MediaType } from '../media-types.js';
import { isObject } from './checker.js';

export type DocumentType = 'manifest' | 'index' | 'config';

export function detectDocumentType(doc: unknown): DocumentType | undefined {
  if (!isObject(doc)) return undefined;
  const mediaType = typeof doc.mediaType === 'string' ? doc.mediaType : undefined;
  if (isManifestType(mediaType)) return 'manifest';
  if (isIndexType(mediaType)) return 'index';
  if (mediaType === MediaType.imageConfig || mediaType === MediaType.dockerConfig) return 'config';
  // mediaType is optional in manifests and indexes (manifest.md, image-index.md) and absent from
  // configs, so fall back to the REQUIRED properties each one has.
  if (Array.isArray(doc.manifests)) return 'index';
  if (isObject(doc.config) && Array.isArray(doc.layers)) return 'manifest';
  if (isObject(doc.rootfs) || (typeof doc.architecture === 'string' && typeof doc.os === 'string')) return 'config';
  return undefined;
}
