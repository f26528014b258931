/**
 * Image manifests (image-spec/manifest.md), and Docker schema2 manifests, which share the shape
 * (image-spec/media-types.md#compatibility-matrix).
 */
import type { ValidationProblem } from '../../errors.js';
import { MediaType } from '../media-types.js';
import { Checker, childPath, type JsonObject } from './checker.js';
import { checkAnnotations, checkDescriptor, checkMediaType } from './descriptor.js';

const SECTION = 'image-spec/manifest.md#image-manifest-property-descriptions';
const ARTIFACT_SECTION = 'image-spec/manifest.md#guidelines-for-artifact-usage';
const MANIFEST_TYPES: readonly string[] = [MediaType.imageManifest, MediaType.dockerManifest];

/** schemaVersion: image-spec/manifest.md and image-index.md both require exactly 2. */
export function checkSchemaVersion(c: Checker, doc: JsonObject, section: string): void {
  const value = c.field(doc, 'schemaVersion', '$', section, { required: true });
  if (value !== undefined && value !== 2)
    c.report('$.schemaVersion', section, `must be 2, not ${JSON.stringify(value)}`);
}

/** A document's own `mediaType`, which when present must be one of `allowed`. */
export function checkOwnMediaType(c: Checker, doc: JsonObject, section: string, allowed: readonly string[]): void {
  const value = c.string(doc, 'mediaType', '$', section);
  if (value !== undefined && !allowed.includes(value))
    c.report('$.mediaType', section, `'${value}' is not one of ${allowed.join(', ')}`);
}

/** Checks an image manifest, collecting every problem. */
export function checkManifest(c: Checker, doc: unknown): void {
  if (!c.isObject(doc, '$', SECTION)) return;
  checkSchemaVersion(c, doc, SECTION);
  checkOwnMediaType(c, doc, SECTION, MANIFEST_TYPES);
  const artifactType = checkMediaType(c, doc, 'artifactType', '$', SECTION, false);

  const config = c.field(doc, 'config', '$', SECTION, { required: true });
  if (config !== undefined) checkDescriptor(c, config, '$.config');
  // An artifact whose config is the empty descriptor MUST say what it is in artifactType.
  const configType = (config as JsonObject | undefined)?.mediaType;
  if (configType === MediaType.emptyJSON && artifactType === undefined && doc.artifactType === undefined)
    c.report(
      '$.artifactType',
      ARTIFACT_SECTION,
      `'artifactType' is required when config.mediaType is ${MediaType.emptyJSON}`,
    );

  // layers: each item a descriptor. An empty array is allowed: "SHOULD have at least one entry".
  const layers = c.array(doc, 'layers', '$', SECTION, { required: true });
  layers?.forEach((layer, i) => {
    checkDescriptor(c, layer, childPath('$.layers', i));
  });

  const subject = c.field(doc, 'subject', '$', SECTION);
  if (subject !== undefined) checkDescriptor(c, subject, '$.subject');
  checkAnnotations(c, doc, 'annotations', '$');
}

/** Validates an image manifest (OCI or Docker schema2); returns every problem found. */
export function validateManifest(doc: unknown, file: string): ValidationProblem[] {
  const c = new Checker(file);
  checkManifest(c, doc);
  return c.problems;
}
