/**
 * Opens the image layout behind an `oci:` or `oci-archive:` reference for a command, and gives
 * the tag the reference names. Other transports are the registry issue's.
 */
import { HullError } from '../errors.js';
import { ImageLayout } from '../image/layout/layout.js';
import { parseReference } from './reference.js';

export type LayoutMode = 'read' | 'write';

export async function withLayoutReference<T>(
  text: string,
  mode: LayoutMode,
  fn: (layout: ImageLayout, tag: string | undefined) => Promise<T>,
): Promise<T> {
  const ref = parseReference(text);
  switch (ref.transport) {
    case 'oci': {
      const layout = mode === 'write' ? await ImageLayout.create(ref.dir) : await ImageLayout.open(ref.dir);
      return fn(layout, ref.tag);
    }
    case 'oci-archive': {
      // Loaded for archives only: it brings node:zlib and the tar reader, which oci: never needs.
      const { withArchiveLayout } = await import('./oci-archive.js');
      return withArchiveLayout(ref.file, mode, (layout) => fn(layout, ref.tag));
    }
    default:
      throw new HullError(
        'TRANSPORT_UNSUPPORTED',
        `'${text}': the ${ref.transport} transport is not supported by this command; use oci:DIR[:TAG] or oci-archive:FILE[:TAG]`,
      );
  }
}
