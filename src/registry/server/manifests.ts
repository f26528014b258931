/**
 * end-3 GET/HEAD, end-7 PUT and end-9 DELETE of /v2/<name>/manifests/<reference>
 * (spec.md#pulling-manifests, #pushing-manifests, #deleting-tags, #deleting-manifests).
 *
 * Content negotiation (content-negotiation.md, which is itself still a TODO table about Docker
 * schema1 fallbacks): a manifest is always served as stored — the exact bytes pushed, with the
 * Content-Type it was pushed with — whatever the Accept header says. We never convert (the
 * spec: "MUST store the manifest in the exact byte representation provided", and converting
 * would change the digest), we do not keep schema1, and answering 404/406 to a client whose
 * Accept omits the type would break clients that send a partial or `*\/*` Accept for a type
 * they do understand. This matches what distribution does for OCI and schema2 content in
 * practice; the client checks Content-Type against its own list (spec: "clients SHOULD reject
 * unless the mediaType field's value matches the type specified by the Content-Type header").
 */

import { type DigestAlgorithm, digestOf } from '../../oci/digest.js';
import { isIndexType, isManifestType, MediaType } from '../../oci/media-types.js';
import type { Descriptor } from '../../oci/types.js';
import { validateIndex } from '../../oci/validate/index-doc.js';
import { validateManifest } from '../../oci/validate/manifest.js';
import { RegistryError } from '../api/errors.js';
import { paths } from '../api/routes.js';
import { type Ctx, readSmallBody, sendEmpty } from './http.js';
import { parseReference, type Reference } from './refs.js';

export async function handleManifest(ctx: Ctx): Promise<void> {
  switch (ctx.req.method) {
    case 'PUT':
      return putManifest(ctx);
    case 'DELETE':
      return deleteManifest(ctx);
    default:
      return getManifest(ctx);
  }
}

function reference(ctx: Ctx, unknown: 'MANIFEST_UNKNOWN' | 'MANIFEST_INVALID'): Reference {
  const ref = parseReference(ctx.reference!);
  if (!ref)
    throw new RegistryError(
      unknown,
      `'${ctx.reference}' is neither a digest nor a valid tag`,
      undefined,
      unknown === 'MANIFEST_UNKNOWN' ? 404 : 400,
    );
  return ref;
}

async function getManifest(ctx: Ctx): Promise<void> {
  reference(ctx, 'MANIFEST_UNKNOWN');
  const m = await ctx.deps.store.getManifest(ctx.name, ctx.reference!);
  if (!m) throw new RegistryError('MANIFEST_UNKNOWN', undefined, { name: ctx.name, reference: ctx.reference });
  ctx.res.writeHead(200, {
    'Content-Type': m.mediaType,
    'Content-Length': m.bytes.length,
    'Docker-Content-Digest': m.digest,
    ETag: `"${m.digest}"`,
  });
  ctx.res.end(ctx.req.method === 'HEAD' ? undefined : m.bytes);
}

type JsonDoc = Record<string, unknown>;

/** The type to store: the body's mediaType, else a specific Content-Type, else what the shape says. */
function manifestType(ctx: Ctx, doc: JsonDoc): string {
  const header = ctx.req.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  const specific =
    header && header !== 'application/json' && header !== 'application/octet-stream' ? header : undefined;
  const own = typeof doc.mediaType === 'string' ? doc.mediaType : undefined;
  // spec.md#pushing-manifests: "If a manifest includes a mediaType field, clients MUST set the
  // Content-Type header to the value specified by the mediaType field."
  if (own && specific && own !== specific)
    throw new RegistryError(
      'MANIFEST_INVALID',
      `Content-Type ${specific} does not match the manifest's mediaType ${own}`,
    );
  const type = own ?? specific ?? (Array.isArray(doc.manifests) ? MediaType.imageIndex : MediaType.imageManifest);
  if (!isManifestType(type) && !isIndexType(type))
    throw new RegistryError('MANIFEST_INVALID', `unsupported manifest media type '${type}'`, { mediaType: type });
  return type;
}

async function putManifest(ctx: Ctx): Promise<void> {
  const { deps, res } = ctx;
  const ref = reference(ctx, 'MANIFEST_INVALID');
  const bytes = await readSmallBody(ctx.req, deps.config.limits.manifestBytes);
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new RegistryError('MANIFEST_INVALID', `manifest is not JSON: ${(err as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new RegistryError('MANIFEST_INVALID', 'manifest is not a JSON object');
  const json = doc as JsonDoc;
  const mediaType = manifestType(ctx, json);
  const index = isIndexType(mediaType);
  const problems = index ? validateIndex(doc, 'manifest') : validateManifest(doc, 'manifest');
  if (problems.length)
    throw new RegistryError(
      'MANIFEST_INVALID',
      `${problems[0]!.jsonPath}: ${problems[0]!.message}`,
      problems.map((p) => ({ jsonPath: p.jsonPath, message: p.message, section: p.section })),
    );

  const algorithm: DigestAlgorithm = 'digest' in ref ? (ref.digest.split(':')[0] as DigestAlgorithm) : 'sha256';
  const digest = digestOf(bytes, algorithm);
  if ('digest' in ref && ref.digest !== digest)
    throw new RegistryError('DIGEST_INVALID', `manifest digest is ${digest}, not ${ref.digest}`, {
      digest: ref.digest,
    });

  await checkReferences(ctx, json, index);

  // spec.md#pushing-manifests-with-subject; artifactType as spec.md#listing-referrers says to report it.
  const subject = (json.subject as Descriptor | undefined)?.digest;
  const artifactType =
    typeof json.artifactType === 'string'
      ? json.artifactType
      : index
        ? undefined
        : (json.config as Descriptor | undefined)?.mediaType;
  await deps.store.putManifest(
    ctx.name,
    { digest, mediaType, bytes },
    {
      ...('tag' in ref ? { tag: ref.tag } : {}),
      ...(subject ? { subject } : {}),
      ...(artifactType ? { artifactType } : {}),
      ...(json.annotations ? { annotations: json.annotations as Record<string, string> } : {}),
    },
  );
  sendEmpty(res, 201, {
    Location: paths.manifest(ctx.name, digest),
    'Docker-Content-Digest': digest,
    ...(subject ? { 'OCI-Subject': subject } : {}),
  });
}

/**
 * spec.md#push: "A registry MAY reject a manifest … with descriptors in other fields that
 * reference a manifest or blob that does not exist … MUST result in … MANIFEST_BLOB_UNKNOWN";
 * the subject is exempt ("MUST initially accept … a subject field that references a manifest
 * that does not exist"). Layers with `urls` live elsewhere (non-distributable) and are not checked.
 */
async function checkReferences(ctx: Ctx, doc: JsonDoc, index: boolean): Promise<void> {
  const { store } = ctx.deps;
  const missing: string[] = [];
  if (index) {
    const children = (doc.manifests as Descriptor[]) ?? [];
    await Promise.all(
      children.map(async (d) => {
        if (!(await store.getManifest(ctx.name, d.digest))) missing.push(d.digest);
      }),
    );
  } else {
    const blobs = [doc.config as Descriptor, ...((doc.layers as Descriptor[]) ?? [])].filter((d) => !d.urls?.length);
    await Promise.all(
      blobs.map(async (d) => {
        if (!(await store.statBlob(ctx.name, d.digest))) missing.push(d.digest);
      }),
    );
  }
  if (missing.length)
    throw new RegistryError(
      'MANIFEST_BLOB_UNKNOWN',
      `manifest references ${missing.length === 1 ? missing[0] : `${missing.length} items`} unknown to this repository`,
      missing.map((digest) => ({ digest })),
    );
}

async function deleteManifest(ctx: Ctx): Promise<void> {
  const { deps, res } = ctx;
  // spec.md#deleting-manifests / #deleting-tags: disabled → 400 or 405.
  if (!deps.config.deletes.enabled) throw new RegistryError('UNSUPPORTED', 'deletes are disabled on this registry');
  reference(ctx, 'MANIFEST_UNKNOWN');
  if (await deps.store.deleteManifest(ctx.name, ctx.reference!)) return sendEmpty(res, 202);
  // "If the repository does not exist, the response MUST return 404 Not Found."
  if (!(await deps.store.repositoryExists(ctx.name)))
    throw new RegistryError('NAME_UNKNOWN', undefined, { name: ctx.name });
  throw new RegistryError('MANIFEST_UNKNOWN', undefined, { name: ctx.name, reference: ctx.reference });
}
