/** `spec`: write a starting config.json into the bundle, like `runc spec` (refuses to overwrite). */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HullError } from '../../errors.js';
import { defaultSpec } from '../../image/bundle/default-spec.js';

export function spec(bundle: string, rootless: boolean): void {
  const file = join(bundle, 'config.json');
  if (existsSync(file)) throw new HullError('EXISTS', `File ${file} exists. Remove it first`);
  writeFileSync(file, `${JSON.stringify(defaultSpec({ rootless }), null, '\t')}\n`);
}
