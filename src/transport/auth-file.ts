/**
 * Registry credentials in the containers-auth.json(5) format podman, skopeo and docker share:
 * `{"auths": {"host[:port][/repo]": {"auth": base64("user:pass")}}}`. Reads (first match wins):
 * --authfile, $REGISTRY_AUTH_FILE, ${XDG_RUNTIME_DIR}/containers/auth.json (else
 * /run/containers/UID/auth.json), ~/.config/containers/auth.json, ${DOCKER_CONFIG:-~/.docker}/config.json.
 * Credential helpers named in `credHelpers` (and docker's `credsStore`) are asked too (cred-helper.ts).
 * `hull login` writes the first of those it would read, as skopeo login does.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { HullError, isErrno } from '../errors.js';
import { credentialsFromHelper } from './cred-helper.js';

export interface Credentials {
  username: string;
  password: string;
}

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

interface AuthFile {
  auths?: Record<string, AuthEntry>;
  /** Per-registry credential helpers (docker's config.json and containers-auth.json). */
  credHelpers?: Record<string, string>;
  /** docker's config.json: the helper for every registry without its own. */
  credsStore?: string;
  [key: string]: unknown;
}

/** The file `hull login` writes and `hull logout` edits. */
export function defaultAuthFile(authfile?: string): string {
  if (authfile) return authfile;
  if (process.env.REGISTRY_AUTH_FILE) return process.env.REGISTRY_AUTH_FILE;
  if (process.env.XDG_RUNTIME_DIR) return join(process.env.XDG_RUNTIME_DIR, 'containers', 'auth.json');
  const uid = process.getuid?.() ?? 0;
  return `/run/containers/${uid}/auth.json`;
}

/** Files searched for credentials, most specific first. */
export function authFileSearchPath(authfile?: string): string[] {
  if (authfile) return [authfile];
  const home = process.env.HOME ?? homedir();
  // docker reads $DOCKER_CONFIG/config.json when set, else ~/.docker/config.json.
  const docker = join(process.env.DOCKER_CONFIG || join(home, '.docker'), 'config.json');
  return [defaultAuthFile(), join(home, '.config', 'containers', 'auth.json'), docker];
}

async function readAuthFile(file: string): Promise<AuthFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return {};
    throw err;
  }
  if (!text.trim()) return {};
  try {
    const doc = JSON.parse(text) as unknown;
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error('not a JSON object');
    return doc as AuthFile;
  } catch (err) {
    throw new HullError('AUTH_FILE_INVALID', `${file}: not a valid auth file: ${(err as Error).message}`, {
      file,
      cause: err,
    });
  }
}

/** docker keeps Docker Hub as https://index.docker.io/v1/ and some tools write URLs; compare by host[/path]. */
function normaliseKey(key: string): string {
  let k = key.replace(/^https?:\/\//, '').replace(/\/+$/, '');
  if (k === 'index.docker.io/v1' || k === 'index.docker.io' || k === 'registry-1.docker.io') k = 'docker.io';
  return k;
}

/** The server name docker stored credentials under (Docker Hub's is a URL). */
function dockerServer(registry: string, key: string): string {
  return registry === 'docker.io' ? key : registry;
}

function decodeEntry(entry: AuthEntry, file: string, key: string): Credentials | undefined {
  if (entry.auth) {
    const text = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon < 0)
      throw new HullError('AUTH_FILE_INVALID', `${file}: the auth of '${key}' is not base64 of user:password`, {
        file,
      });
    return { username: text.slice(0, colon), password: text.slice(colon + 1) };
  }
  if (entry.username !== undefined && entry.password !== undefined)
    return { username: entry.username, password: entry.password };
  return undefined;
}

/**
 * Credentials for `registry` (and optionally a repository in it): the most specific key wins
 * (host/ns/repo, then host/ns, then host), as in containers-auth.json(5).
 */
export async function lookupCredentials(
  registry: string,
  repository?: string,
  authfile?: string,
): Promise<Credentials | undefined> {
  const wanted: string[] = [];
  if (repository) {
    const parts = repository.split('/');
    for (let n = parts.length; n > 0; n--) wanted.push(`${registry}/${parts.slice(0, n).join('/')}`);
  }
  wanted.push(registry);
  for (const file of authFileSearchPath(authfile)) {
    const doc = await readAuthFile(file);
    // A registry's own helper comes first (containers-auth.json(5), docker's credHelpers).
    const helper = doc.credHelpers?.[registry];
    if (typeof helper === 'string') {
      const creds = await credentialsFromHelper(helper, registry, file);
      if (creds) return creds;
    }
    const auths = doc.auths ?? {};
    const byKey = new Map(Object.entries(auths).map(([k, v]) => [normaliseKey(k), { key: k, entry: v }]));
    for (const w of wanted) {
      const hit = byKey.get(w);
      if (hit) {
        const creds = decodeEntry(hit.entry, file, hit.key);
        if (creds) return creds;
      }
    }
    // docker keeps credentials in its store and only an empty entry under auths.
    if (typeof doc.credsStore === 'string' && byKey.has(registry)) {
      const creds = await credentialsFromHelper(doc.credsStore, dockerServer(registry, byKey.get(registry)!.key), file);
      if (creds) return creds;
    }
  }
  return undefined;
}

/** Writes the file atomically, creating its directory (0700, like podman). */
async function writeAuthFile(file: string, doc: AuthFile): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    await writeFile(tmp, `${JSON.stringify(doc, null, '\t')}\n`, { mode: 0o600 });
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

export async function storeCredentials(key: string, creds: Credentials, authfile?: string): Promise<string> {
  const file = defaultAuthFile(authfile);
  const doc = await readAuthFile(file);
  doc.auths = { ...doc.auths, [key]: { auth: Buffer.from(`${creds.username}:${creds.password}`).toString('base64') } };
  await writeAuthFile(file, doc);
  return file;
}

/** Removes `key` (or every entry with `all`); returns whether anything was removed. */
export async function removeCredentials(key: string | undefined, authfile?: string): Promise<boolean> {
  const file = defaultAuthFile(authfile);
  const doc = await readAuthFile(file);
  const auths = doc.auths ?? {};
  let removed = false;
  if (key === undefined) {
    removed = Object.keys(auths).length > 0;
    doc.auths = {};
  } else {
    for (const k of Object.keys(auths))
      if (k === key || normaliseKey(k) === normaliseKey(key)) {
        delete auths[k];
        removed = true;
      }
    doc.auths = auths;
  }
  if (removed) await writeAuthFile(file, doc);
  return removed;
}

/** `user:pass` from --creds; the password may contain colons, the user may not. */
export function parseCredsFlag(text: string, flagName: string): Credentials {
  const colon = text.indexOf(':');
  if (colon <= 0) throw new HullError('CREDS_INVALID', `${flagName} must be USER:PASSWORD`);
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}
