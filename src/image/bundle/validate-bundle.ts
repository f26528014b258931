/**
 * `hull validate bundle`: runtime-spec/bundle.md — config.json present and valid for Linux, the
 * root filesystem present at root.path, and the process's cwd inside it a directory.
 */
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { ValidationProblem } from '../../errors.js';
import { validateRuntimeConfig } from '../../oci/runtime/validate.js';

export function validateBundle(bundleDir: string): ValidationProblem[] {
  const file = join(bundleDir, 'config.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return [
      { file, jsonPath: '$', section: 'runtime-spec/bundle.md', message: `cannot read: ${(err as Error).message}` },
    ];
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return [
      { file, jsonPath: '$', section: 'runtime-spec/config.md', message: `not valid JSON: ${(err as Error).message}` },
    ];
  }
  const problems = validateRuntimeConfig(doc, file);
  const root = (doc as { root?: { path?: unknown } }).root;
  if (root && typeof root.path === 'string') {
    const rootPath = isAbsolute(root.path) ? root.path : join(bundleDir, root.path);
    let isDir = false;
    try {
      isDir = statSync(rootPath).isDirectory();
    } catch {}
    if (!isDir)
      problems.push({
        file,
        jsonPath: '$.root.path',
        section: 'runtime-spec/config.md#root',
        message: `root filesystem ${rootPath} is not a directory`,
      });
  }
  return problems;
}
