/** The two JSON files of an image layout: `oci-layout` and `index.json` (image-spec/image-layout.md). */
import type { ValidationProblem } from '../../errors.js';
import { Annotation } from '../types.js';
import { Checker, childPath, isObject } from './checker.js';
import { isRefName } from './grammar.js';
import { checkIndex } from './index-doc.js';

const LAYOUT_SECTION = 'image-spec/image-layout.md#oci-layout-file';
const REF_NAME_SECTION = 'image-spec/annotations.md#pre-defined-annotation-keys';

/** image-layout.md#oci-layout-file: an object with a string `imageLayoutVersion`. */
export function validateOciLayoutFile(doc: unknown, file: string): ValidationProblem[] {
  const c = new Checker(file);
  if (c.isObject(doc, '$', LAYOUT_SECTION))
    c.string(doc, 'imageLayoutVersion', '$', LAYOUT_SECTION, { required: true });
  return c.problems;
}

/**
 * image-layout.md#indexjson-file: index.json is an image index. Its descriptors' ref.name
 * annotations must also follow the reference grammar of annotations.md, since they are the
 * layout's tags.
 */
export function validateLayoutIndex(doc: unknown, file: string): ValidationProblem[] {
  const c = new Checker(file);
  checkIndex(c, doc);
  const manifests = isObject(doc) && Array.isArray(doc.manifests) ? doc.manifests : [];
  manifests.forEach((m, i) => {
    const annotations = isObject(m) && isObject(m.annotations) ? m.annotations : undefined;
    const name = annotations?.[Annotation.refName];
    if (typeof name === 'string' && !isRefName(name)) {
      const path = childPath(childPath(childPath('$.manifests', i), 'annotations'), Annotation.refName);
      c.report(path, REF_NAME_SECTION, `'${name}' does not match the ref.name grammar`);
    }
  });
  return c.problems;
}
