/**
 * Scopes of Docker's token authentication ("repository:team/app:pull,push",
 * "registry:catalog:*"), and the `access` claim they become: what was asked, cut down to what
 * the rules allow.
 */
import { type AccessRule, allowedActions, canListCatalog } from './access.js';
import type { AccessNeed, Action } from './types.js';

export interface ResourceScope {
  type: string;
  name: string;
  actions: string[];
}

/** Parses scope parameters; one value may hold several scopes separated by spaces (OAuth2 form posts do). */
export function parseScopes(values: string[]): ResourceScope[] {
  const out: ResourceScope[] = [];
  for (const value of values) {
    for (const item of value.split(' ')) {
      if (!item) continue;
      const first = item.indexOf(':');
      const last = item.lastIndexOf(':');
      if (first <= 0 || last === first) continue; // not type:name:actions — ignored, as distribution does
      // "repository(plugin)" carries a resource class we do not distinguish.
      const type = item.slice(0, first).replace(/\(.*\)$/, '');
      const name = item.slice(first + 1, last);
      const actions = item
        .slice(last + 1)
        .split(',')
        .filter((a) => a !== '');
      if (name) out.push({ type, name, actions });
    }
  }
  return out;
}

export function formatScope(s: ResourceScope): string {
  return `${s.type}:${s.name}:${s.actions.join(',')}`;
}

/** The scope a client must ask for to satisfy `need` (none for the base check). */
export function scopeForNeed(need: AccessNeed): string | undefined {
  if ('base' in need) return undefined;
  if ('catalog' in need) return 'registry:catalog:*';
  return formatScope({ type: 'repository', name: need.repository, actions: need.actions });
}

/** The intersection of what was asked and what `user` may do; resources granted nothing are left out. */
export function grantScopes(
  requested: ResourceScope[],
  rules: readonly AccessRule[] | undefined,
  user: string | undefined,
): ResourceScope[] {
  const merged = new Map<string, ResourceScope>();
  for (const s of requested) {
    let granted: string[] = [];
    if (s.type === 'repository') {
      const allowed = allowedActions(rules, user, s.name);
      granted = s.actions.includes('*') ? [...allowed] : s.actions.filter((a) => allowed.has(a as Action));
    } else if (s.type === 'registry' && s.name === 'catalog' && s.actions.includes('*')) {
      granted = canListCatalog(rules, user) ? ['*'] : [];
    }
    if (granted.length === 0) continue;
    const key = `${s.type}:${s.name}`;
    const prev = merged.get(key);
    if (prev) prev.actions = [...new Set([...prev.actions, ...granted])];
    else merged.set(key, { type: s.type, name: s.name, actions: [...new Set(granted)] });
  }
  return [...merged.values()];
}

/** Whether a token's `access` claim covers `need` (the base check needs only a valid token). */
export function accessCovers(access: unknown, need: AccessNeed): boolean {
  if ('base' in need) return true;
  if (!Array.isArray(access)) return false;
  const held = new Set<string>();
  for (const entry of access as Array<Partial<ResourceScope>>) {
    if (typeof entry !== 'object' || entry === null || !Array.isArray(entry.actions)) continue;
    for (const a of entry.actions) held.add(`${entry.type}:${entry.name}:${a}`);
  }
  if ('catalog' in need) return held.has('registry:catalog:*');
  return need.actions.every((a) => held.has(`repository:${need.repository}:${a}`));
}
