/**
 * The distribution-spec endpoints (spec.md#endpoints) as data, shared by the server (matching)
 * and the client and tests (building URLs), like distribution's registry/api/v2/descriptors.go.
 */

/** spec.md#pulling-manifests: repository name grammar. */
export const NAME_PATTERN = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*(?:\\/[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*)*';
export const NAME_RE = new RegExp(`^${NAME_PATTERN}$`);
/** spec.md#pulling-manifests: tag grammar. */
export const TAG_RE = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
/** Practical bound most registries apply to names (the spec allows clients to hit 255 limits). */
export const MAX_NAME_LENGTH = 255;

export type RouteName = 'base' | 'catalog' | 'blob' | 'manifest' | 'uploadStart' | 'upload' | 'tags' | 'referrers';

export interface RouteDescriptor {
  name: RouteName;
  /** Endpoint ids of spec.md's table this route serves. */
  endpoints: string[];
  methods: string[];
  /** Matches the path after /v2/; groups: name and (for most) reference. */
  pattern: RegExp;
}

const name = `(?<name>${NAME_PATTERN})`;

export const routes: RouteDescriptor[] = [
  { name: 'base', endpoints: ['end-1'], methods: ['GET', 'HEAD'], pattern: /^$/ },
  { name: 'catalog', endpoints: [], methods: ['GET'], pattern: /^_catalog$/ },
  {
    name: 'blob',
    endpoints: ['end-2', 'end-10'],
    methods: ['GET', 'HEAD', 'DELETE'],
    pattern: new RegExp(`^${name}/blobs/(?<reference>[^/]+)$`),
  },
  {
    name: 'manifest',
    endpoints: ['end-3', 'end-7', 'end-9'],
    methods: ['GET', 'HEAD', 'PUT', 'DELETE'],
    pattern: new RegExp(`^${name}/manifests/(?<reference>[^/]+)$`),
  },
  {
    name: 'uploadStart',
    endpoints: ['end-4a', 'end-4b', 'end-11'],
    methods: ['POST'],
    pattern: new RegExp(`^${name}/blobs/uploads/?$`),
  },
  {
    name: 'upload',
    endpoints: ['end-5', 'end-6', 'end-13'],
    methods: ['GET', 'PATCH', 'PUT', 'DELETE'],
    pattern: new RegExp(`^${name}/blobs/uploads/(?<reference>[^/]+)$`),
  },
  { name: 'tags', endpoints: ['end-8a', 'end-8b'], methods: ['GET'], pattern: new RegExp(`^${name}/tags/list$`) },
  {
    name: 'referrers',
    endpoints: ['end-12a', 'end-12b'],
    methods: ['GET'],
    pattern: new RegExp(`^${name}/referrers/(?<reference>[^/]+)$`),
  },
];

export interface RouteMatch {
  route: RouteDescriptor;
  name?: string;
  reference?: string;
}

/** Matches a request path (with or without the leading /v2/) to its route. */
export function matchRoute(pathname: string): RouteMatch | undefined {
  if (!pathname.startsWith('/v2/') && pathname !== '/v2') return undefined;
  const rest = pathname === '/v2' ? '' : pathname.slice(4);
  for (const route of routes) {
    const m = route.pattern.exec(rest);
    if (m)
      return {
        route,
        name: m.groups?.name,
        reference: m.groups?.reference ? decodeURIComponent(m.groups.reference) : undefined,
      };
  }
  return undefined;
}

/** URL paths for each route, for the client and tests. */
export const paths = {
  base: () => '/v2/',
  catalog: () => '/v2/_catalog',
  blob: (repo: string, digest: string) => `/v2/${repo}/blobs/${digest}`,
  manifest: (repo: string, reference: string) => `/v2/${repo}/manifests/${reference}`,
  uploadStart: (repo: string) => `/v2/${repo}/blobs/uploads/`,
  upload: (repo: string, id: string) => `/v2/${repo}/blobs/uploads/${id}`,
  tags: (repo: string) => `/v2/${repo}/tags/list`,
  referrers: (repo: string, digest: string) => `/v2/${repo}/referrers/${digest}`,
} as const;
