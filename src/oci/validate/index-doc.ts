/**
 * Image indexes (image-spec/image-index.md), and Docker manifest lists, which share the shape
 * (image-spec/media-types.md#compatibility-matrix).
 */
import type { ValidationProblem } from '../../errors.js';
import { MediaType } from '../media-types.js';
import { Checker, childPath } from './checker.js';
import { checkAnnotations, checkDescriptor, checkMediaType } from './descriptor.js';
import { checkOwnMediaType, checkSchemaVersion } from './manifest.js';

export const INDEX_SECTION = 'image-spec/image-index.md#image-index-property-descriptions';
const INDEX_TYPES: readonly string[] = [MediaType.imageIndex, MediaType.dockerManifestList];

/** Checks an image index, collecting every problem. */
export function checkIndex(c: Checker, doc: unknown): void {
  if (!c.isObject(doc, '$', INDEX_SECTION)) return;
  checkSchemaVersion(c, doc, INDEX_SECTION);
  checkOwnMediaType(c, doc, INDEX_SECTION, INDEX_TYPES);
  checkMediaType(c, doc, 'artifactType', '$', INDEX_SECTION, false);
  // "While this property MUST be present, the size of the array MAY be zero." Entries with an
  // unknown mediaType MUST NOT generate an error, so only the descriptor rules apply to them.
  const manifests = c.array(doc, 'manifests', '$', INDEX_SECTION, { required: true });
  manifests?.forEach((m, i) => {
    checkDescriptor(c, m, childPath('$.manifests', i));
  });
  const subject = c.field(doc, 'subject', '$', INDEX_SECTION);
  if (subject !== undefined) checkDescriptor(c, subject, '$.subject');
  checkAnnotations(c, doc, 'annotations', '$');
}

/** Validates an image index (OCI or Docker manifest list); returns every problem found. */
export function validateIndex(doc: unknown, file: string): ValidationProblem[] {
  const c = new Checker(file);
  checkIndex(c, doc);
  return c.problems;
}
