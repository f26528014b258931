/**
 * The registry's configuration: a YAML or JSON file (YAML is a superset of JSON, so one parser
 * reads both) holding everything `hull registry serve` flags can set; flags override the file.
 * Unknown keys are errors, not ignored, so a typo ("delete:" for "deletes:") fails at start
 * instead of silently leaving deletes off. Every error names the file and the key.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { HullError } from '../errors.js';

export interface TokenAuthConfig {
  /** URL of the token endpoint clients are sent to (WWW-Authenticate Bearer realm=…). */
  realm: string;
  /** `iss` of the tokens. */
  issuer: string;
  /** `aud` of the tokens and the `service` parameter of the challenge. */
  service: string;
  /** PEM private key file tokens are signed with (when this registry issues them). */
  key?: string;
  /** PEM certificate or public key file tokens are verified with (when another server issues them). */
  certificate?: string;
  /** Token lifetime in seconds. */
  expirySeconds?: number;
}

export interface AccessRuleConfig {
  repository: string;
  users?: string[];
  anonymous?: boolean;
  actions: string[];
}

export interface RegistryConfig {
  /** host:port to listen on. */
  addr: string;
  /** Storage root directory. */
  root: string;
  tls?: { cert: string; key: string };
  auth?: {
    htpasswd?: string;
    /** Realm of the Basic challenge. */
    realm?: string;
    token?: TokenAuthConfig;
    access?: AccessRuleConfig[];
  };
  deletes: { enabled: boolean };
  limits: {
    /** Largest manifest accepted (spec.md#pushing-manifests: SHOULD support at least 4 MB). */
    manifestBytes: number;
    /** A request body that sends nothing for this long is abandoned. */
    bodyTimeoutMs: number;
  };
  log: { quiet: boolean };
}

export const DEFAULT_ROOT = '/var/lib/hull/registry';
export const DEFAULT_ADDR = '127.0.0.1:5000';

export function defaultConfig(): RegistryConfig {
  return {
    addr: DEFAULT_ADDR,
    root: DEFAULT_ROOT,
    deletes: { enabled: false },
    limits: { manifestBytes: 4 * 1024 * 1024, bodyTimeoutMs: 60_000 },
    log: { quiet: false },
  };
}

/** What flags may set; undefined means "not given" (the file or the default stands). */
export interface ConfigOverrides {
  addr?: string;
  root?: string;
  htpasswd?: string;
  tlsCert?: string;
  tlsKey?: string;
  enableDelete?: boolean;
  quiet?: boolean;
}

class ConfigReader {
  constructor(readonly file: string) {}

  fail(key: string, message: string): never {
    throw new HullError('CONFIG_INVALID', `${this.file}: ${key}: ${message}`, { file: this.file, jsonPath: key });
  }

  object(value: unknown, key: string, allowed: readonly string[]): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(key, 'expected a mapping');
    const obj = value as Record<string, unknown>;
    for (const k of Object.keys(obj))
      if (!allowed.includes(k))
        this.fail(key ? `${key}.${k}` : k, `unknown key (expected one of ${allowed.join(', ')})`);
    return obj;
  }

  string(obj: Record<string, unknown>, k: string, key: string): string | undefined {
    const v = obj[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' || v === '') this.fail(`${key}${k}`, 'expected a non-empty string');
    return v;
  }

  bool(obj: Record<string, unknown>, k: string, key: string): boolean | undefined {
    const v = obj[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') this.fail(`${key}${k}`, 'expected true or false');
    return v;
  }

  int(obj: Record<string, unknown>, k: string, key: string, min: number): number | undefined {
    const v = obj[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
      this.fail(`${key}${k}`, `expected an integer ≥ ${min}`);
    return v;
  }

  stringList(obj: Record<string, unknown>, k: string, key: string): string[] | undefined {
    const v = obj[k];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || !v.every((s) => typeof s === 'string'))
      this.fail(`${key}${k}`, 'expected a list of strings');
    return v as string[];
  }
}

/** Checks `addr` is host:port (IPv6 hosts in brackets) so a bad value fails before listen(). */
export function parseAddr(addr: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(addr);
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port > 65535) throw new HullError('CONFIG_INVALID', `addr '${addr}': expected HOST:PORT`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

/** Parses a config document (already read) into a full config over the defaults. */
export function parseConfig(text: string, file: string): RegistryConfig {
  const r: ConfigReader = new ConfigReader(file);
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new HullError('CONFIG_INVALID', `${file}: not valid YAML or JSON: ${(err as Error).message.split('\n')[0]}`, {
      file,
    });
  }
  const cfg = defaultConfig();
  if (doc === null || doc === undefined) return cfg;
  const top = r.object(doc, '', ['addr', 'root', 'tls', 'auth', 'deletes', 'limits', 'log']);
  const addr = r.string(top, 'addr', '');
  if (addr !== undefined) {
    try {
      parseAddr(addr);
    } catch {
      r.fail('addr', `'${addr}' is not HOST:PORT`);
    }
    cfg.addr = addr;
  }
  cfg.root = r.string(top, 'root', '') ?? cfg.root;
  if (top.tls !== undefined) {
    const tls = r.object(top.tls, 'tls', ['cert', 'key']);
    const cert = r.string(tls, 'cert', 'tls.');
    const key = r.string(tls, 'key', 'tls.');
    if (!cert || !key) r.fail('tls', 'needs both cert and key');
    cfg.tls = { cert, key };
  }
  if (top.auth !== undefined) cfg.auth = parseAuth(r, top.auth);
  if (top.deletes !== undefined) {
    const d = r.object(top.deletes, 'deletes', ['enabled']);
    cfg.deletes.enabled = r.bool(d, 'enabled', 'deletes.') ?? false;
  }
  if (top.limits !== undefined) {
    const l = r.object(top.limits, 'limits', ['manifestBytes', 'bodyTimeoutMs']);
    cfg.limits.manifestBytes = r.int(l, 'manifestBytes', 'limits.', 1) ?? cfg.limits.manifestBytes;
    cfg.limits.bodyTimeoutMs = r.int(l, 'bodyTimeoutMs', 'limits.', 1) ?? cfg.limits.bodyTimeoutMs;
  }
  if (top.log !== undefined) {
    const l = r.object(top.log, 'log', ['quiet']);
    cfg.log.quiet = r.bool(l, 'quiet', 'log.') ?? false;
  }
  return cfg;
}

function parseAuth(r: ConfigReader, value: unknown): NonNullable<RegistryConfig['auth']> {
  const a = r.object(value, 'auth', ['htpasswd', 'realm', 'token', 'access']);
  const out: NonNullable<RegistryConfig['auth']> = {};
  const htpasswd = r.string(a, 'htpasswd', 'auth.');
  if (htpasswd) out.htpasswd = htpasswd;
  const realm = r.string(a, 'realm', 'auth.');
  if (realm) out.realm = realm;
  if (a.token !== undefined) {
    const t = r.object(a.token, 'auth.token', ['realm', 'issuer', 'service', 'key', 'certificate', 'expirySeconds']);
    const need = (k: string) => r.string(t, k, 'auth.token.') ?? r.fail(`auth.token.${k}`, 'is required');
    out.token = { realm: need('realm'), issuer: need('issuer'), service: need('service') };
    const key = r.string(t, 'key', 'auth.token.');
    if (key) out.token.key = key;
    const certificate = r.string(t, 'certificate', 'auth.token.');
    if (certificate) out.token.certificate = certificate;
    const expiry = r.int(t, 'expirySeconds', 'auth.token.', 1);
    if (expiry !== undefined) out.token.expirySeconds = expiry;
    if (!key && !certificate) r.fail('auth.token', 'needs key (to issue tokens) or certificate (to verify them)');
  }
  if (a.access !== undefined) {
    if (!Array.isArray(a.access)) r.fail('auth.access', 'expected a list of rules');
    out.access = a.access.map((rule, i) => {
      const key = `auth.access[${i}]`;
      const o = r.object(rule, key, ['repository', 'users', 'anonymous', 'actions']);
      const repository = r.string(o, 'repository', `${key}.`) ?? r.fail(`${key}.repository`, 'is required');
      const actions = r.stringList(o, 'actions', `${key}.`) ?? r.fail(`${key}.actions`, 'is required');
      for (const act of actions)
        if (!['pull', 'push', 'delete', '*'].includes(act))
          r.fail(`${key}.actions`, `'${act}' is not one of pull, push, delete, *`);
      const users = r.stringList(o, 'users', `${key}.`);
      const anonymous = r.bool(o, 'anonymous', `${key}.`);
      return { repository, actions, ...(users ? { users } : {}), ...(anonymous ? { anonymous } : {}) };
    });
  }
  return out;
}

/** Reads a config file (undefined: defaults only) and applies flag overrides on top. */
export function loadConfig(file: string | undefined, overrides: ConfigOverrides = {}): RegistryConfig {
  let cfg = defaultConfig();
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new HullError('CONFIG_INVALID', `${file}: cannot read config: ${(err as Error).message}`, { file });
    }
    cfg = parseConfig(text, file);
  }
  return applyOverrides(cfg, overrides);
}

export function applyOverrides(base: RegistryConfig, o: ConfigOverrides): RegistryConfig {
  const cfg: RegistryConfig = structuredClone(base);
  if (o.addr !== undefined) {
    parseAddr(o.addr);
    cfg.addr = o.addr;
  }
  if (o.root !== undefined) cfg.root = o.root;
  if (o.htpasswd !== undefined) cfg.auth = { ...cfg.auth, htpasswd: o.htpasswd };
  if ((o.tlsCert === undefined) !== (o.tlsKey === undefined) && !cfg.tls)
    throw new HullError('CONFIG_INVALID', '--tls-cert and --tls-key go together');
  if (o.tlsCert !== undefined || o.tlsKey !== undefined)
    cfg.tls = { cert: o.tlsCert ?? cfg.tls!.cert, key: o.tlsKey ?? cfg.tls!.key };
  if (o.enableDelete) cfg.deletes.enabled = true;
  if (o.quiet) cfg.log.quiet = true;
  return cfg;
}
