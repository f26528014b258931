/**
 * The one place that turns rules + user into a yes/no for an AccessNeed, shared by basic and
 * token auth so both read the config the same way.
 */
import { type AccessRule, allowedActions, canListCatalog } from './access.js';
import type { AccessNeed } from './types.js';

/** Whether `user` (undefined: anonymous) may do everything `need` asks. */
export function permits(rules: readonly AccessRule[] | undefined, user: string | undefined, need: AccessNeed): boolean {
  if ('base' in need) return user !== undefined;
  if ('catalog' in need) return canListCatalog(rules, user);
  const allowed = allowedActions(rules, user, need.repository);
  return need.actions.every((a) => allowed.has(a));
}

/** A quoted-string for WWW-Authenticate parameters (RFC 7235 §2.1). */
export function quote(value: string): string {
  return `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}
