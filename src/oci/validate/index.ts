/** The image-spec validators. Each returns every problem found, with JSON path and spec section. */
export { Checker, childPath, type JsonObject } from './checker.js';
export { validateImageConfig } from './config.js';
export { checkDescriptor, validateAnnotations, validateDescriptor } from './descriptor.js';
export { type DocumentType, detectDocumentType } from './detect.js';
export { validateIndex } from './index-doc.js';
export { validateLayoutIndex, validateOciLayoutFile } from './layout.js';
export { validateManifest } from './manifest.js';
