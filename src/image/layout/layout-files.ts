/**
 * The two fixed files of an image layout (image-spec/image-layout.md#content): `oci-layout`,
 * a JSON object with `imageLayoutVersion`, and `index.json`, an image index.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HullError, isErrno } from '../../errors.js';
import { MediaType } from '../../oci/media-types.js';
import type { ImageIndex } from '../../oci/types.js';
import { parseIndex, parseJSON } from '../../oci/validate/parse.js';

export const LAYOUT_VERSION = '1.0.0';
const CONTENT_SECTION = 'image-spec/image-layout.md#content';
const OCI_LAYOUT_SECTION = 'image-spec/image-layout.md#oci-layout-file';
const INDEX_SECTION = 'image-spec/image-layout.md#indexjson-file';

export const EMPTY_INDEX: ImageIndex = { schemaVersion: 2, mediaType: MediaType.imageIndex, manifests: [] };

async function readLayoutFile(dir: string, name: string, section: string): Promise<Buffer> {
  const file = join(dir, name);
  try {
    return await readFile(file);
  } catch (err) {
    if (isErrno(err, 'ENOENT'))
      throw new HullError('LAYOUT_INVALID', `${dir} is not an OCI image layout: ${file} does not exist`, {
        file,
        section,
        cause: err,
      });
    if (isErrno(err, 'ENOTDIR'))
      throw new HullError('LAYOUT_INVALID', `${dir} is not an OCI image layout: it is not a directory`, {
        file: dir,
        section: CONTENT_SECTION,
        cause: err,
      });
    throw err;
  }
}

/** Checks `oci-layout`: a JSON object whose imageLayoutVersion this implementation reads (1.x). */
export async function checkOciLayoutFile(dir: string): Promise<void> {
  const file = join(dir, 'oci-layout');
  const doc = parseJSON(await readLayoutFile(dir, 'oci-layout', OCI_LAYOUT_SECTION), file, OCI_LAYOUT_SECTION);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new HullError('LAYOUT_INVALID', `${file}: oci-layout must be a JSON object`, {
      file,
      jsonPath: '$',
      section: OCI_LAYOUT_SECTION,
    });
  const version = (doc as Record<string, unknown>).imageLayoutVersion;
  if (typeof version !== 'string')
    throw new HullError('LAYOUT_INVALID', `${file}: imageLayoutVersion must be a string`, {
      file,
      jsonPath: '$.imageLayoutVersion',
      section: OCI_LAYOUT_SECTION,
    });
  if (!/^1\.\d+\.\d+/.test(version))
    throw new HullError(
      'LAYOUT_UNSUPPORTED',
      `${file}: imageLayoutVersion '${version}' is not supported (expected 1.x)`,
      {
        file,
        jsonPath: '$.imageLayoutVersion',
        section: OCI_LAYOUT_SECTION,
      },
    );
}

/** Reads and validates index.json. */
export async function readIndexFile(dir: string): Promise<ImageIndex> {
  const file = join(dir, 'index.json');
  const bytes = await readLayoutFile(dir, 'index.json', INDEX_SECTION);
  const index = parseIndex(bytes, file);
  // The validators judge the rest; the layout code itself depends on `manifests` being an array.
  if (typeof index !== 'object' || index === null || !Array.isArray(index.manifests))
    throw new HullError('LAYOUT_INVALID', `${file}: index.json must be an image index with a manifests array`, {
      file,
      jsonPath: '$.manifests',
      section: INDEX_SECTION,
    });
  return index;
}
