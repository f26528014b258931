/**
 * How the registry server asks "may this request do that?" (auth/ implements it: htpasswd basic
 * auth, bearer tokens from the token endpoint, per-repository rights from the config).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RegistryError } from '../api/errors.js';

export type Action = 'pull' | 'push' | 'delete';

/** What a request needs: actions on one repository, or the catalog (registry:catalog:*). */
export type AccessNeed = { repository: string; actions: Action[] } | { catalog: true } | { base: true };

export type AuthResult =
  | { ok: true; user?: string }
  /** 401 with WWW-Authenticate (Basic realm=… or Bearer realm=…,service=…,scope=…), or 403 DENIED. */
  | { ok: false; status: 401 | 403; headers: Record<string, string>; error: RegistryError };

export interface Authorizer {
  authorize(req: IncomingMessage, need: AccessNeed): Promise<AuthResult>;
  /** Serves the token endpoint (Docker token authentication) when the request is for it; false otherwise. */
  handleTokenRequest?(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
}
