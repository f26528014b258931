/** The registry's authorizers and the pieces the config loader needs to build them. */
export { type AccessRule, allowedActions, CATALOG_SCOPE, canListCatalog, validateAccessRules } from './access.js';
export { type BasicAuthorizerOptions, createBasicAuthorizer } from './basic.js';
export { Htpasswd, parseHtpasswd } from './htpasswd.js';
export { createTokenAuthorizer, type TokenAuthorizer, type TokenAuthorizerOptions } from './token.js';
