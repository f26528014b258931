/**
 * `hull validate image`: every problem in an image layout, not just the first — the layout
 * files, each reachable index, manifest and config validated, every blob verified against its
 * digest and size, every layer decompressed, parsed as tar and checked against its diff_id.
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract } from 'tar-stream';
import type { ValidationProblem } from '../errors.js';
import { DigestingStream, digestOf, digestProblem, parseDigest } from '../oci/digest.js';
import { isIndexType, isManifestType, layerCompression } from '../oci/media-types.js';
import type { Descriptor, ImageConfig, ImageIndex, ImageManifest } from '../oci/types.js';
import { Annotation } from '../oci/types.js';
import { validateImageConfig } from '../oci/validate/config.js';
import { validateIndex } from '../oci/validate/index-doc.js';
import { validateLayoutIndex, validateOciLayoutFile } from '../oci/validate/layout.js';
import { validateManifest } from '../oci/validate/manifest.js';
import { decompressStream } from './compression.js';

const SECTION_LAYOUT = 'image-spec/image-layout.md';
const SECTION_DIGEST = 'image-spec/descriptor.md#digests';

export async function validateImageLayout(dir: string, tag?: string): Promise<ValidationProblem[]> {
  const problems: ValidationProblem[] = [];
  const v = new LayoutValidator(dir, problems);
  const layoutFile = await v.readJSON('oci-layout', `${SECTION_LAYOUT}#oci-layout-file`);
  if (layoutFile !== undefined) problems.push(...validateOciLayoutFile(layoutFile, 'oci-layout'));
  const index = await v.readJSON('index.json', `${SECTION_LAYOUT}#indexjson-file`);
  if (index === undefined) return problems;
  const indexProblems = validateLayoutIndex(index, 'index.json');
  problems.push(...indexProblems);
  if (indexProblems.length) return problems;
  const manifests = (index as ImageIndex).manifests;
  let selected = manifests.map((d, i) => ({ d, path: `$.manifests[${i}]` }));
  if (tag !== undefined) {
    selected = selected.filter(({ d }) => d.annotations?.[Annotation.refName] === tag);
    if (!selected.length)
      problems.push({
        file: 'index.json',
        jsonPath: '$.manifests',
        section: `${SECTION_LAYOUT}#indexjson-file`,
        message: `no manifest is tagged '${tag}' (annotation ${Annotation.refName})`,
      });
  }
  for (const { d, path } of selected) await v.descriptor(d, 'index.json', path);
  return problems;
}

class LayoutValidator {
  private readonly seen = new Set<string>();
  constructor(
    private readonly dir: string,
    private readonly problems: ValidationProblem[],
  ) {}

  private add(file: string, jsonPath: string, section: string, message: string): void {
    this.problems.push({ file, jsonPath, section, message });
  }

  async readJSON(file: string, section: string): Promise<unknown> {
    let text: string;
    try {
      text = await readFile(join(this.dir, file), 'utf8');
    } catch (err) {
      this.add(file, '$', section, `cannot read: ${(err as Error).message}`);
      return undefined;
    }
    try {
      return JSON.parse(text);
    } catch (err) {
      this.add(file, '$', section, `not valid JSON: ${(err as Error).message}`);
      return undefined;
    }
  }

  private blobFile(digest: string): string {
    const { algorithm, encoded } = parseDigest(digest);
    return `blobs/${algorithm}/${encoded}`;
  }

  /** Reads a small blob whole, checking digest and size; undefined (with a problem) when it fails. */
  private async readBlob(d: Descriptor, from: string, path: string): Promise<Buffer | undefined> {
    const file = this.blobFile(d.digest);
    let data: Buffer;
    try {
      data = await readFile(join(this.dir, file));
    } catch (err) {
      this.unreadable(file, from, path, err);
      return undefined;
    }
    const got = { digest: digestOf(data, parseDigest(d.digest).algorithm), size: data.length };
    return this.checkDigest(d, file, from, path, got) ? data : undefined;
  }

  private unreadable(file: string, from: string, path: string, err: unknown): void {
    this.add(
      from,
      `${path}.digest`,
      `${SECTION_LAYOUT}#blobs`,
      `blob ${file} cannot be read: ${(err as Error).message}`,
    );
  }

  async descriptor(d: Descriptor, from: string, path: string): Promise<void> {
    if (digestProblem(d.digest) !== undefined) return; // already reported by the document's validator
    const key = `${d.digest}|${d.mediaType}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    if (isIndexType(d.mediaType) || isManifestType(d.mediaType)) {
      const data = await this.readBlob(d, from, path);
      if (!data) return;
      const file = this.blobFile(d.digest);
      let doc: unknown;
      try {
        doc = JSON.parse(data.toString('utf8'));
      } catch (err) {
        this.add(file, '$', 'image-spec/manifest.md', `not valid JSON: ${(err as Error).message}`);
        return;
      }
      const docType = (doc as { mediaType?: unknown }).mediaType;
      if (docType !== undefined && docType !== d.mediaType)
        this.add(
          file,
          '$.mediaType',
          'image-spec/descriptor.md#properties',
          `document says '${String(docType)}' but its descriptor (${from} ${path}) says '${d.mediaType}'`,
        );
      if (isIndexType(d.mediaType)) {
        const found = validateIndex(doc, file);
        this.problems.push(...found);
        if (found.length) return;
        const idx = doc as ImageIndex;
        for (const [i, m] of idx.manifests.entries()) await this.descriptor(m, file, `$.manifests[${i}]`);
      } else {
        const found = validateManifest(doc, file);
        this.problems.push(...found);
        if (found.length) return;
        await this.manifest(doc as ImageManifest, file);
      }
      return;
    }
    // Anything else reachable from the index: verify its bytes.
    await this.verifyStream(d, from, path);
  }

  private async manifest(m: ImageManifest, file: string): Promise<void> {
    const configData = await this.readBlob(m.config, file, '$.config');
    let config: ImageConfig | undefined;
    if (configData) {
      const configFile = this.blobFile(m.config.digest);
      try {
        const doc = JSON.parse(configData.toString('utf8'));
        const found = validateImageConfig(doc, configFile);
        this.problems.push(...found);
        if (!found.length) config = doc as ImageConfig;
      } catch (err) {
        this.add(configFile, '$', 'image-spec/config.md', `not valid JSON: ${(err as Error).message}`);
      }
    }
    if (config && config.rootfs.diff_ids.length !== m.layers.length)
      this.add(
        this.blobFile(m.config.digest),
        '$.rootfs.diff_ids',
        'image-spec/config.md#properties',
        `${config.rootfs.diff_ids.length} diff_ids for the manifest's ${m.layers.length} layers`,
      );
    for (const [i, layer] of m.layers.entries()) {
      const compression = layerCompression(layer.mediaType);
      if (compression === undefined) {
        await this.verifyStream(layer, file, `$.layers[${i}]`);
        continue;
      }
      const diffID = await this.layer(layer, compression, file, `$.layers[${i}]`);
      const expected = config?.rootfs.diff_ids[i];
      if (diffID && expected && diffID !== expected)
        this.add(
          this.blobFile(m.config.digest),
          `$.rootfs.diff_ids[${i}]`,
          'image-spec/config.md#layer-diffid',
          `layer ${layer.digest} uncompressed digest is ${diffID}, not ${expected}`,
        );
    }
  }

  private async verifyStream(d: Descriptor, from: string, path: string): Promise<void> {
    const file = this.blobFile(d.digest);
    const digesting = new DigestingStream(parseDigest(d.digest).algorithm);
    try {
      await pipeline(createReadStream(join(this.dir, file)), digesting, sink());
    } catch (err) {
      this.unreadable(file, from, path, err);
      return;
    }
    this.checkDigest(d, file, from, path, digesting.result());
  }

  private checkDigest(
    d: Descriptor,
    file: string,
    from: string,
    path: string,
    got: { digest: string; size: number },
  ): boolean {
    let ok = true;
    if (got.size !== d.size) {
      this.add(
        file,
        '$',
        'image-spec/descriptor.md#properties',
        `blob is ${got.size} bytes, descriptor (${from} ${path}) says ${d.size}`,
      );
      ok = false;
    }
    if (got.digest !== d.digest) {
      this.add(file, '$', SECTION_DIGEST, `content digest ${got.digest} does not match ${d.digest}`);
      ok = false;
    }
    return ok;
  }

  /** Verifies a layer blob, decompresses it, parses it as tar; returns its diff_id. */
  private async layer(
    d: Descriptor,
    compression: 'none' | 'gzip' | 'zstd',
    from: string,
    path: string,
  ): Promise<string | undefined> {
    const file = this.blobFile(d.digest);
    const blobDigest = new DigestingStream(parseDigest(d.digest).algorithm);
    const diffDigest = new DigestingStream('sha256');
    const tar = extract();
    tar.on('entry', (_header, stream, next) => {
      stream.on('end', next);
      stream.resume();
    });
    const stages =
      compression === 'none' ? [blobDigest, diffDigest] : [blobDigest, decompressStream(compression), diffDigest];
    try {
      await pipeline(createReadStream(join(this.dir, file)), ...(stages as [DigestingStream]), tar);
    } catch (err) {
      this.add(
        file,
        '$',
        'image-spec/layer.md',
        `layer cannot be read as a ${compression === 'none' ? '' : `${compression} `}tar: ${(err as Error).message}`,
      );
      return undefined;
    }
    if (!this.checkDigest(d, file, from, path, blobDigest.result())) return undefined;
    return diffDigest.result().digest;
  }
}

function sink(): Writable {
  return new Writable({ write: (_c, _e, cb) => cb() });
}
