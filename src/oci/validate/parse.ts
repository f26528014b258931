/**
 * JSON documents of the image-spec, parsed and validated in one step: a document that is not
 * JSON, or not valid, is a ValidationError naming the file, the JSON path and the spec section.
 */
import { ValidationError } from '../../errors.js';
import type { ImageConfig, ImageIndex, ImageManifest } from '../types.js';
import { validateImageConfig } from './config.js';
import { validateIndex } from './index-doc.js';
import { validateManifest } from './manifest.js';

export function parseJSON(bytes: Buffer | string, file: string, section: string): unknown {
  try {
    return JSON.parse(typeof bytes === 'string' ? bytes : bytes.toString('utf8'));
  } catch (err) {
    throw new ValidationError([{ file, jsonPath: '$', section, message: `not valid JSON: ${(err as Error).message}` }]);
  }
}

export function parseManifest(bytes: Buffer | string, file: string): ImageManifest {
  const doc = parseJSON(bytes, file, 'image-spec/manifest.md');
  const problems = validateManifest(doc, file);
  if (problems.length) throw new ValidationError(problems);
  return doc as ImageManifest;
}

export function parseIndex(bytes: Buffer | string, file: string): ImageIndex {
  const doc = parseJSON(bytes, file, 'image-spec/image-index.md');
  const problems = validateIndex(doc, file);
  if (problems.length) throw new ValidationError(problems);
  return doc as ImageIndex;
}

export function parseImageConfig(bytes: Buffer | string, file: string): ImageConfig {
  const doc = parseJSON(bytes, file, 'image-spec/config.md');
  const problems = validateImageConfig(doc, file);
  if (problems.length) throw new ValidationError(problems);
  return doc as ImageConfig;
}
