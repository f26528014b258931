/**
 * Image references in the transport syntax skopeo users know (containers-transports(5)):
 *   oci:DIR[:TAG]                 an image layout directory; DIR contains no colon
 *   oci-archive:FILE[:TAG]        a tar of an image layout
 *   docker://NAME[:TAG|@DIGEST]   a registry image; short names normalise as docker does
 *   docker-archive:FILE[:REF|@N]  a `docker save` tarball
 * TAG follows the ref.name grammar of image-spec/annotations.md; NAME the grammar of
 * distribution/reference.
 */
import { HullError } from '../errors.js';
import { isRefName, REF_NAME_SECTION } from '../image/layout/ref-name.js';
import { digestProblem } from '../oci/digest.js';

export interface DockerReference {
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
}

export type ImageReference =
  | { transport: 'oci'; dir: string; tag?: string }
  | { transport: 'oci-archive'; file: string; tag?: string }
  | ({ transport: 'docker' } & DockerReference)
  | { transport: 'docker-archive'; file: string; reference?: DockerReference; sourceIndex?: number };

export const DOCKER_HUB = 'docker.io';
const TRANSPORTS = 'oci:DIR[:TAG], oci-archive:FILE[:TAG], docker://NAME[:TAG|@DIGEST], docker-archive:FILE[:NAME:TAG]';

function invalid(text: string, why: string, section?: string): HullError {
  return new HullError('REFERENCE_INVALID', `invalid image reference '${text}': ${why}`, { file: text, section });
}

export function parseReference(text: string): ImageReference {
  const colon = text.indexOf(':');
  if (colon <= 0) throw invalid(text, `expected TRANSPORT:REFERENCE, one of ${TRANSPORTS}`);
  const transport = text.slice(0, colon);
  const rest = text.slice(colon + 1);
  switch (transport) {
    case 'oci': {
      const { path, tag } = splitPathAndTag(text, rest, 'DIR');
      return tag === undefined ? { transport, dir: path } : { transport, dir: path, tag };
    }
    case 'oci-archive': {
      const { path, tag } = splitPathAndTag(text, rest, 'FILE');
      return tag === undefined ? { transport, file: path } : { transport, file: path, tag };
    }
    case 'docker': {
      if (!rest.startsWith('//')) throw invalid(text, 'the docker transport is written docker://NAME[:TAG|@DIGEST]');
      const ref = parseDockerReference(rest.slice(2), text);
      if (ref.tag !== undefined && ref.digest !== undefined)
        throw invalid(text, 'a docker:// reference names a tag or a digest, not both');
      return { transport, ...ref };
    }
    case 'docker-archive':
      return parseDockerArchive(text, rest);
    default:
      throw invalid(text, `unknown transport '${transport}'; expected one of ${TRANSPORTS}`);
  }
}

/** skopeo's split: the path runs to the first colon, the rest is the tag (which may itself contain colons). */
function splitPathAndTag(text: string, rest: string, what: string): { path: string; tag?: string } {
  const colon = rest.indexOf(':');
  const path = colon < 0 ? rest : rest.slice(0, colon);
  if (!path) throw invalid(text, `${what} is empty`);
  if (colon < 0) return { path };
  const tag = rest.slice(colon + 1);
  if (!tag) throw invalid(text, 'the tag after the colon is empty');
  if (tag.startsWith('@')) throw invalid(text, `${what}:@DIGEST is not supported; name the image by a tag`);
  if (!isRefName(tag))
    throw invalid(
      text,
      `'${tag}' is not a valid tag (alphanumeric components joined by one of -._:@+ or "--", separated by "/")`,
      REF_NAME_SECTION,
    );
  return { path, tag };
}

function parseDockerArchive(text: string, rest: string): ImageReference {
  const colon = rest.indexOf(':');
  const file = colon < 0 ? rest : rest.slice(0, colon);
  if (!file) throw invalid(text, 'FILE is empty');
  if (colon < 0) return { transport: 'docker-archive', file };
  const ref = rest.slice(colon + 1);
  if (/^@\d+$/.test(ref)) return { transport: 'docker-archive', file, sourceIndex: Number(ref.slice(1)) };
  const reference = parseDockerReference(ref, text);
  if (reference.digest !== undefined) throw invalid(text, 'docker-archive references name a tag, not a digest');
  return { transport: 'docker-archive', file, reference };
}

// distribution/reference grammar (reference/regexp.go).
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const NAME_MAX = 255;

/**
 * A docker image name, normalised as docker does: no registry means docker.io, a one-component
 * name on docker.io gains `library/`, and no tag or digest means `:latest`.
 */
export function parseDockerReference(name: string, text = name): DockerReference {
  let rest = name;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    const problem = digestProblem(digest);
    if (problem) throw invalid(text, problem, 'image-spec/descriptor.md#digests');
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag))
      throw invalid(text, `'${tag}' is not a valid tag (up to 128 of [A-Za-z0-9_.-], not starting with . or -)`);
  }
  if (!rest) throw invalid(text, 'the image name is empty');
  let registry = DOCKER_HUB;
  let path = rest;
  const slash = rest.indexOf('/');
  const first = slash < 0 ? '' : rest.slice(0, slash);
  // docker's rule: the first component is a registry only if it looks like a host.
  if (first && (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase())) {
    if (!DOMAIN.test(first)) throw invalid(text, `'${first}' is not a valid registry host`);
    registry = first === 'index.docker.io' ? DOCKER_HUB : first;
    path = rest.slice(slash + 1);
  }
  if (registry === DOCKER_HUB && !path.includes('/')) path = `library/${path}`;
  for (const component of path.split('/')) {
    if (!PATH_COMPONENT.test(component))
      throw invalid(
        text,
        component !== component.toLowerCase()
          ? 'repository names must be lowercase'
          : `'${component}' is not a valid repository component (lowercase alphanumerics joined by '.', '_', '__' or '-')`,
      );
  }
  if (registry.length + 1 + path.length > NAME_MAX)
    throw invalid(text, `the name is longer than ${NAME_MAX} characters`);
  const ref: DockerReference = { registry, repository: path };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  if (tag === undefined && digest === undefined) ref.tag = 'latest';
  return ref;
}

/** The reference back in transport syntax (docker names fully qualified). */
export function formatReference(ref: ImageReference): string {
  switch (ref.transport) {
    case 'oci':
      return `oci:${ref.dir}${ref.tag ? `:${ref.tag}` : ''}`;
    case 'oci-archive':
      return `oci-archive:${ref.file}${ref.tag ? `:${ref.tag}` : ''}`;
    case 'docker':
      return `docker://${formatDockerReference(ref)}`;
    case 'docker-archive':
      if (ref.sourceIndex !== undefined) return `docker-archive:${ref.file}:@${ref.sourceIndex}`;
      return `docker-archive:${ref.file}${ref.reference ? `:${formatDockerReference(ref.reference)}` : ''}`;
  }
}

export function formatDockerReference(ref: DockerReference): string {
  return `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}
