/**
 * From `linux.cgroupsPath` and the container id to a path inside each hierarchy
 * (config-linux.md#cgroups-path).
 *
 * - Absolute (`/a/b`): relative to each hierarchy's mount point, as the spec requires.
 * - Relative (`a/b`): the spec lets the runtime choose the base; like runc's cgroupfs driver it is
 *   the runtime's own cgroup (from /proc/self/cgroup) in each v1 hierarchy, and on v2 the *parent*
 *   of the runtime's own cgroup (runc fs2 `_defaultDirPath`: the runtime's own cgroup holds
 *   processes, so by the no-internal-processes rule no controller could be enabled below it).
 * - Absent: runc uses the container id as a relative path; hull uses `/hull/<id>` instead, so
 *   containers land in one predictable place whatever cgroup the caller of the runtime sits in.
 *
 * `..` components are rejected (the spec lets runtimes refuse values): a path must not climb out
 * of the hierarchy it names.
 */
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { HullError } from '../../errors.js';

const SECTION = 'runtime-spec/config-linux.md#cgroups-path';

export interface InnerPath {
  /** Normalised, without leading or trailing slash. */
  path: string;
  relative: boolean;
}

export function cgroupInnerPath(id: string, cgroupsPath: string | undefined): InnerPath {
  if (cgroupsPath === undefined || cgroupsPath === '') {
    if (!id || id.includes('/') || id === '.' || id === '..') {
      throw new HullError('CGROUP_PATH_INVALID', `container id ${JSON.stringify(id)} cannot name a cgroup`, {
        section: SECTION,
      });
    }
    return { path: `hull/${id}`, relative: false };
  }
  const parts = cgroupsPath.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..') || cgroupsPath.includes('\0')) {
    throw new HullError('CGROUP_PATH_INVALID', `cgroupsPath ${JSON.stringify(cgroupsPath)} must not contain ".."`, {
      jsonPath: '$.linux.cgroupsPath',
      section: SECTION,
    });
  }
  const relative = !cgroupsPath.startsWith('/');
  if (parts.length === 0) {
    // `/` would make the container the host's root cgroup: nothing to create, nothing to destroy.
    throw new HullError('CGROUP_PATH_INVALID', `cgroupsPath ${JSON.stringify(cgroupsPath)} names no cgroup`, {
      jsonPath: '$.linux.cgroupsPath',
      section: SECTION,
    });
  }
  return { path: parts.join('/'), relative };
}

/**
 * /proc/self/cgroup (cgroups(7)): `hierarchy-ID:controller-list:path`. Keys are each v1
 * controller and `name=...`, and `''` for the v2 line (`0::/path`).
 */
export function parseProcCgroup(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const a = line.indexOf(':');
    const b = line.indexOf(':', a + 1);
    if (a < 0 || b < 0) continue;
    const list = line.slice(a + 1, b);
    const path = line.slice(b + 1);
    if (list === '') out.set('', path);
    else for (const c of list.split(',')) out.set(c, path);
  }
  return out;
}

export function readOwnCgroups(procCgroupPath = '/proc/self/cgroup'): Map<string, string> {
  return parseProcCgroup(readFileSync(procCgroupPath, 'utf8'));
}

/**
 * The directory for `inner` in a hierarchy mounted at `mountPoint` whose mount shows cgroup
 * `mountRoot`. `own` is the runtime's cgroup in that hierarchy (only used for relative paths).
 */
export function hierarchyDir(mountPoint: string, mountRoot: string, inner: InnerPath, own: string | undefined): string {
  if (!inner.relative) return posix.join(mountPoint, inner.path);
  let base = own ?? '/';
  // The own path is in the hierarchy's namespace; the mount may show only a subtree of it.
  if (mountRoot !== '/' && (base === mountRoot || base.startsWith(`${mountRoot}/`)))
    base = base.slice(mountRoot.length);
  return posix.join(mountPoint, base, inner.path);
}
