/**
 * The grammar of the org.opencontainers.image.ref.name annotation (image-spec/annotations.md):
 *   ref       ::= component ("/" component)*
 *   component ::= alphanum (separator alphanum)*
 *   alphanum  ::= [A-Za-z0-9]+
 *   separator ::= [-._:@+] | "--"
 */
import { HullError } from '../../errors.js';

const COMPONENT = '[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*';
const REF_NAME = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
export const REF_NAME_SECTION = 'image-spec/annotations.md#pre-defined-annotation-keys';

export function isRefName(name: string): boolean {
  return REF_NAME.test(name);
}

export function assertRefName(name: string, file?: string): void {
  if (!isRefName(name))
    throw new HullError(
      'TAG_INVALID',
      `invalid tag '${name}': a ref name is alphanumeric components joined by one of -._:@+ or "--", separated by "/"`,
      { file, section: REF_NAME_SECTION },
    );
}
