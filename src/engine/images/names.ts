/**
 * Image names as docker reads them (distribution/reference's normalisation): `busybox` is
 * docker.io/library/busybox:latest, `127.0.0.1:5000/busybox` keeps its registry, `NAME@DIGEST`
 * names a manifest. A name with no registry is *unqualified*: the engine looks for it in the
 * local store first (as docker does) and then pulls it from each registry of the search list in
 * turn (podman's unqualified-search-registries; docker's list is just docker.io).
 *
 * The search list comes from $HULL_REGISTRIES (comma separated), else ROOT/registries.json
 * (`{"search": ["127.0.0.1:5000", "docker.io"], "insecure": ["myhost:5000"]}`), else docker.io.
 * Registries on 127.0.0.0/8, ::1 or localhost, and those listed as insecure, are spoken to over
 * plain HTTP without certificate checks, as docker treats them (its default insecure registry is
 * 127.0.0.0/8); --tls-verify=false does the same for any registry.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HullError, isErrno } from '../../errors.js';
import { isRefName } from '../../image/layout/ref-name.js';
import { DOCKER_HUB, type DockerReference, parseDockerReference } from '../../transport/reference.js';

export const DEFAULT_SEARCH = [DOCKER_HUB];
const CONFIG_SECTION = 'docs/engine.md (registries.json)';

export interface ImageName extends DockerReference {
  /** The registry was written out (or implied by a one-word docker.io name that had none): false for `busybox`. */
  qualified: boolean;
}

export interface RegistriesConfig {
  /** Registries tried in order for an unqualified name. */
  search: string[];
  /** Further registries spoken to over HTTP without TLS verification. */
  insecure: string[];
}

/**
 * Parses a name as docker does. `qualified` tells whether the first component named a registry
 * (docker's rule: it contains '.' or ':' or is 'localhost').
 */
export function parseImageName(text: string): ImageName {
  const ref = parseDockerReference(text, text);
  const slash = text.indexOf('/');
  const first = slash < 0 ? '' : text.slice(0, slash);
  const qualified =
    first !== '' &&
    (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase());
  return { ...ref, qualified };
}

/** The store's key: REGISTRY/REPOSITORY:TAG, or REGISTRY/REPOSITORY@DIGEST when there is a digest. */
export function fullName(ref: DockerReference): string {
  const base = `${ref.registry}/${ref.repository}`;
  return ref.digest ? `${base}@${ref.digest}` : `${base}:${ref.tag ?? 'latest'}`;
}

/** The repository part of a full name: REGISTRY/REPOSITORY. */
export function repositoryOf(ref: DockerReference): string {
  return `${ref.registry}/${ref.repository}`;
}

/**
 * The name with the same image under `registry`: for an unqualified name each search registry
 * gives one candidate (`busybox` on docker.io gains library/, elsewhere it does not).
 */
export function withRegistry(ref: ImageName, registry: string): ImageName {
  if (ref.qualified) return ref;
  let repository = ref.repository;
  // parseDockerReference added library/ for docker.io; other registries take the name as written.
  if (ref.registry === DOCKER_HUB && repository.startsWith('library/') && registry !== DOCKER_HUB)
    repository = repository.slice('library/'.length);
  if (registry === DOCKER_HUB && !repository.includes('/')) repository = `library/${repository}`;
  return { ...ref, registry, repository, qualified: true };
}

/** Every full name an image name may mean, in search order. */
export function candidates(text: string, search: string[]): ImageName[] {
  const ref = parseImageName(text);
  if (ref.qualified) return [ref];
  const list = search.length ? search : DEFAULT_SEARCH;
  const seen = new Set<string>();
  const out: ImageName[] = [];
  for (const registry of list) {
    const c = withRegistry(ref, registry);
    const key = fullName(c);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(c);
    }
  }
  return out;
}

/**
 * How docker prints a name: docker.io/ and library/ dropped (`busybox:latest`); names on other
 * registries in full.
 */
export function familiarName(name: string): string {
  let n = name;
  if (n.startsWith(`${DOCKER_HUB}/`)) n = n.slice(DOCKER_HUB.length + 1);
  if (n !== name && n.startsWith('library/') && !n.slice('library/'.length).includes('/'))
    n = n.slice('library/'.length);
  return n;
}

/** Splits a full name into repository and tag/digest (the tag is '<none>' for a digest name). */
export function splitName(name: string): { repository: string; tag: string; digest?: string } {
  const at = name.indexOf('@');
  if (at >= 0) return { repository: name.slice(0, at), tag: '<none>', digest: name.slice(at + 1) };
  const colon = name.lastIndexOf(':');
  if (colon > name.lastIndexOf('/')) return { repository: name.slice(0, colon), tag: name.slice(colon + 1) };
  return { repository: name, tag: 'latest' };
}

/** Full names must also be valid org.opencontainers.image.ref.name values to be stored in index.json. */
export function assertStorableName(name: string): void {
  if (!isRefName(name))
    throw new HullError(
      'REFERENCE_INVALID',
      `cannot store the image name '${name}': index.json ref names are alphanumeric components joined by one of -._:@+ or "--" (image-spec/annotations.md); docker allows '__' and '---', which this store cannot keep`,
      { section: 'image-spec/annotations.md#pre-defined-annotation-keys' },
    );
}

/** The search and insecure registries for a store root (see the module comment). */
export function loadRegistriesConfig(root: string, env: NodeJS.ProcessEnv = process.env): RegistriesConfig {
  const file = join(root, 'registries.json');
  let config: RegistriesConfig = { search: [...DEFAULT_SEARCH], insecure: [] };
  let text: string | undefined;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
  }
  if (text !== undefined) config = parseRegistriesConfig(text, file);
  const fromEnv = env.HULL_REGISTRIES;
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    const search = fromEnv
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const r of search) checkRegistryHost(r, 'HULL_REGISTRIES');
    config = { ...config, search };
  }
  return config;
}

export function parseRegistriesConfig(text: string, file: string): RegistriesConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new HullError('CONFIG_INVALID', `${file}: not valid JSON: ${(err as Error).message}`, {
      file,
      section: CONFIG_SECTION,
    });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new HullError('CONFIG_INVALID', `${file}: must be a JSON object like {"search": ["docker.io"]}`, {
      file,
      jsonPath: '$',
      section: CONFIG_SECTION,
    });
  const d = doc as Record<string, unknown>;
  const list = (key: string): string[] | undefined => {
    const v = d[key];
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
      throw new HullError('CONFIG_INVALID', `${file}: ${key} must be an array of registry hosts`, {
        file,
        jsonPath: `$.${key}`,
        section: CONFIG_SECTION,
      });
    for (const [i, r] of (v as string[]).entries()) checkRegistryHost(r, `${file}: $.${key}[${i}]`);
    return v as string[];
  };
  return { search: list('search') ?? [...DEFAULT_SEARCH], insecure: list('insecure') ?? [] };
}

function checkRegistryHost(host: string, where: string): void {
  // A registry host parses as the first component of a qualified name.
  try {
    const ref = parseDockerReference(`${host}/x`);
    if (ref.registry === host || (host === 'index.docker.io' && ref.registry === DOCKER_HUB)) return;
  } catch {
    // reported below
  }
  throw new HullError('CONFIG_INVALID', `${where}: '${host}' is not a registry host (HOST[:PORT])`, {
    section: CONFIG_SECTION,
  });
}

/** docker's default insecure registries: loopback (127.0.0.0/8, ::1) and localhost, any port. */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.startsWith('[') ? registry.slice(1, registry.indexOf(']')) : registry.replace(/:\d+$/, '');
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Whether to skip TLS (and use plain HTTP) for `registry`: an explicit --tls-verify wins. */
export function tlsVerifyFor(registry: string, config: RegistriesConfig, flag: boolean | undefined): boolean {
  if (flag !== undefined) return flag;
  return !(isLoopbackRegistry(registry) || config.insecure.includes(registry));
}
