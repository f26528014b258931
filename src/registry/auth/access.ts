/**
 * Per-repository rights from the config: which actions a user (or an anonymous client) may take
 * on a repository. Rules are a union — every rule that matches adds its actions — so an
 * operator can say "everyone may pull, team members may also push" in two lines.
 */
import type { Action } from './types.js';

export const ALL_ACTIONS: readonly Action[] = ['pull', 'push', 'delete'];

/** The scope string of the catalog in Docker's token spec; as a rule's `repository`, it grants the catalog. */
export const CATALOG_SCOPE = 'registry:catalog:*';

export interface AccessRule {
  /** Glob over repository names (`*` matches anything, `/` included; `?` one character), or CATALOG_SCOPE. */
  repository: string;
  /** Authenticated users this rule applies to; `"*"` means every authenticated user. */
  users?: string[];
  /** Applies to anonymous clients too (and therefore to every authenticated user). */
  anonymous?: boolean;
  /** `"*"` stands for all of pull, push and delete. */
  actions: Array<Action | '*'>;
}

/**
 * Without rules (htpasswd and nothing else configured), as docker-registry does: whoever logs in
 * may do everything, anonymous clients nothing.
 */
export const DEFAULT_RULES: readonly AccessRule[] = [{ repository: '*', users: ['*'], actions: ['*'] }];

const globCache = new Map<string, RegExp>();

/** `*` → any run of characters (slashes too: `team/*` covers `team/a/b`), `?` → one character. */
export function globToRegExp(glob: string): RegExp {
  let re = globCache.get(glob);
  if (!re) {
    const body = glob.replace(/[.+^${}()|[\]\\*?]/g, (c) => (c === '*' ? '.*' : c === '?' ? '.' : `\\${c}`));
    re = new RegExp(`^${body}$`);
    globCache.set(glob, re);
  }
  return re;
}

function appliesTo(rule: AccessRule, user: string | undefined): boolean {
  if (rule.anonymous) return true;
  if (user === undefined) return false;
  return rule.users?.some((u) => u === '*' || u === user) ?? false;
}

function expand(actions: AccessRule['actions']): Action[] {
  return actions.includes('*') ? [...ALL_ACTIONS] : (actions.filter((a) => a !== '*') as Action[]);
}

/** The actions `user` (undefined: anonymous) may take on `repository`. */
export function allowedActions(
  rules: readonly AccessRule[] | undefined,
  user: string | undefined,
  repository: string,
): Set<Action> {
  const out = new Set<Action>();
  for (const rule of effective(rules)) {
    if (rule.repository === CATALOG_SCOPE || !appliesTo(rule, user)) continue;
    if (!globToRegExp(rule.repository).test(repository)) continue;
    for (const a of expand(rule.actions)) out.add(a);
  }
  return out;
}

/** The catalog lists every repository name: authenticated users only, unless a rule grants it. */
export function canListCatalog(rules: readonly AccessRule[] | undefined, user: string | undefined): boolean {
  if (user !== undefined) return true;
  return effective(rules).some((r) => r.repository === CATALOG_SCOPE && appliesTo(r, user));
}

function effective(rules: readonly AccessRule[] | undefined): readonly AccessRule[] {
  return rules && rules.length > 0 ? rules : DEFAULT_RULES;
}

/** Checks rules from a config file early, so a typo fails at start rather than at the first request. */
export function validateAccessRules(rules: unknown): AccessRule[] {
  if (!Array.isArray(rules)) throw new TypeError('access: expected a list of rules');
  return rules.map((r, i) => {
    const where = `access[${i}]`;
    if (typeof r !== 'object' || r === null) throw new TypeError(`${where}: expected an object`);
    const rule = r as Record<string, unknown>;
    if (typeof rule.repository !== 'string' || rule.repository === '')
      throw new TypeError(`${where}.repository: expected a glob string`);
    if (rule.users !== undefined && !(Array.isArray(rule.users) && rule.users.every((u) => typeof u === 'string')))
      throw new TypeError(`${where}.users: expected a list of user names`);
    if (rule.anonymous !== undefined && typeof rule.anonymous !== 'boolean')
      throw new TypeError(`${where}.anonymous: expected true or false`);
    const actions = rule.actions;
    if (!Array.isArray(actions) || !actions.every((a) => a === '*' || ALL_ACTIONS.includes(a as Action)))
      throw new TypeError(`${where}.actions: expected a list of pull, push, delete or *`);
    if (rule.users === undefined && !rule.anonymous)
      throw new TypeError(`${where}: names no users and is not anonymous, so it grants nothing`);
    return {
      repository: rule.repository,
      ...(rule.users ? { users: rule.users as string[] } : {}),
      ...(rule.anonymous ? { anonymous: true } : {}),
      actions: actions as AccessRule['actions'],
    };
  });
}
