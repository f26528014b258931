/**
 * Content descriptors (image-spec/descriptor.md), the platform object of image-index.md and the
 * annotation rules of annotations.md: the parts every image-spec document shares.
 */
import type { ValidationProblem } from '../../errors.js';
import { type DigestAlgorithm, digestOf, digestProblem } from '../digest.js';
import { Checker, childPath, type JsonObject, range } from './checker.js';
import { isBase64, isMediaType, isUri } from './grammar.js';

export const DESCRIPTOR_SECTION = 'image-spec/descriptor.md#properties';
const DIGEST_SECTION = 'image-spec/descriptor.md#digests';
const PLATFORM_SECTION = 'image-spec/image-index.md#image-index-property-descriptions';
export const ANNOTATION_SECTION = 'image-spec/annotations.md#rules';

// descriptor.md#properties: size is int64; beyond 2^53 a JSON number is no longer exact.
const SIZE = range('non-negative int64', 0, Number.MAX_SAFE_INTEGER);

/** A media type field (`mediaType`, `artifactType`) that must follow RFC 6838 section 4.2. */
export function checkMediaType(
  c: Checker,
  obj: JsonObject,
  key: string,
  path: string,
  section: string,
  required: boolean,
): string | undefined {
  const value = c.string(obj, key, path, section, { required });
  if (value !== undefined && !isMediaType(value)) {
    c.report(childPath(path, key), section, `'${value}' is not a media type (RFC 6838 section 4.2: type/subtype)`);
    return undefined;
  }
  return value;
}

/** A digest field checked against descriptor.md#digests. */
export function checkDigest(
  c: Checker,
  obj: JsonObject,
  key: string,
  path: string,
  required = true,
): string | undefined {
  const value = c.field(obj, key, path, DIGEST_SECTION, { required });
  if (value === undefined) return undefined;
  const problem = digestProblem(value);
  if (problem) {
    c.report(childPath(path, key), DIGEST_SECTION, problem);
    return undefined;
  }
  return value as string;
}

/** annotations.md#rules: a map of string keys to string values (values may be empty). */
export function checkAnnotations(
  c: Checker,
  obj: JsonObject,
  key: string,
  path: string,
  section = ANNOTATION_SECTION,
): void {
  c.stringMap(obj, key, path, section);
}

/** The platform object of image-index.md: architecture and os REQUIRED. */
export function checkPlatform(c: Checker, value: unknown, path: string): void {
  if (!c.isObject(value, path, PLATFORM_SECTION)) return;
  c.string(value, 'architecture', path, PLATFORM_SECTION, { required: true });
  c.string(value, 'os', path, PLATFORM_SECTION, { required: true });
  c.string(value, 'os.version', path, PLATFORM_SECTION);
  c.stringArray(value, 'os.features', path, PLATFORM_SECTION);
  c.string(value, 'variant', path, PLATFORM_SECTION);
  c.stringArray(value, 'features', path, PLATFORM_SECTION);
}

/** Checks one descriptor at `path`, adding problems to `c`. */
export function checkDescriptor(c: Checker, value: unknown, path: string): void {
  if (!c.isObject(value, path, DESCRIPTOR_SECTION)) return;
  checkMediaType(c, value, 'mediaType', path, DESCRIPTOR_SECTION, true);
  const digest = checkDigest(c, value, 'digest', path);
  const size = c.integer(value, 'size', path, DESCRIPTOR_SECTION, SIZE, { required: true });
  c.stringArray(value, 'urls', path, DESCRIPTOR_SECTION, {}, (url, p) => {
    if (!isUri(url)) c.report(p, DESCRIPTOR_SECTION, `'${url}' is not a URI (RFC 3986)`);
  });
  checkAnnotations(c, value, 'annotations', path);
  checkMediaType(c, value, 'artifactType', path, DESCRIPTOR_SECTION, false);
  const platform = c.field(value, 'platform', path, PLATFORM_SECTION);
  if (platform !== undefined) checkPlatform(c, platform, childPath(path, 'platform'));
  const data = c.string(value, 'data', path, DESCRIPTOR_SECTION);
  if (data !== undefined) checkEmbeddedData(c, data, childPath(path, 'data'), digest, size);
}

/** descriptor.md#embedded-content: `data` is base64 of exactly the bytes `digest` and `size` name. */
function checkEmbeddedData(c: Checker, data: string, path: string, digest?: string, size?: number): void {
  if (!isBase64(data)) {
    c.report(path, DESCRIPTOR_SECTION, 'data must be base64 (RFC 4648 section 4)');
    return;
  }
  const bytes = Buffer.from(data, 'base64');
  if (size !== undefined && bytes.length !== size)
    c.report(path, DESCRIPTOR_SECTION, `data decodes to ${bytes.length} bytes but size is ${size}`);
  if (digest !== undefined) {
    const algorithm = digest.slice(0, digest.indexOf(':')) as DigestAlgorithm;
    const actual = digestOf(bytes, algorithm);
    if (actual !== digest) c.report(path, DIGEST_SECTION, `data has digest ${actual}, not the descriptor's ${digest}`);
  }
}

/** Validates a descriptor (descriptor.md) found at `jsonPath` of `file`. */
export function validateDescriptor(doc: unknown, file: string, jsonPath = '$'): ValidationProblem[] {
  const c = new Checker(file);
  checkDescriptor(c, doc, jsonPath);
  return c.problems;
}

/** Validates an annotations map (annotations.md#rules) found at `jsonPath` of `file`. */
export function validateAnnotations(doc: unknown, file: string, jsonPath = '$'): ValidationProblem[] {
  const c = new Checker(file);
  if (c.isObject(doc, jsonPath, ANNOTATION_SECTION)) {
    for (const [k, v] of Object.entries(doc)) c.isString(v, childPath(jsonPath, k), ANNOTATION_SECTION);
  }
  return c.problems;
}
