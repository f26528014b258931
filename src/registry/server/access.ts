/**
 * What each request needs from the authorizer, as distribution asks its access controller:
 * reads need pull; uploads and manifest pushes need push and pull (a pusher probes with HEAD and
 * mounts, so push without pull is not a useful right); deletes need delete.
 */
import type { RouteMatch } from '../api/routes.js';
import type { AccessNeed, Action } from '../auth/types.js';

export function accessNeed(match: RouteMatch, method: string): AccessNeed {
  const route = match.route.name;
  if (route === 'base') return { base: true };
  if (route === 'catalog') return { catalog: true };
  const repository = match.name!;
  let actions: Action[];
  if (method === 'DELETE' && (route === 'blob' || route === 'manifest')) actions = ['delete'];
  else if (route === 'uploadStart' || route === 'upload' || (route === 'manifest' && method === 'PUT'))
    actions = ['pull', 'push'];
  else actions = ['pull'];
  return { repository, actions };
}
