/**
 * Apache htpasswd files with bcrypt entries only — docker-registry accepts nothing else, and the
 * other htpasswd formats (crypt, MD5 "$apr1$", SHA1 "{SHA}", plain) are too weak to keep around.
 * The file is re-read when its mtime or size changes, so adding a user needs no restart.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import bcrypt from 'bcryptjs';
import { HullError } from '../../errors.js';

const BCRYPT_RE = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;

/** Parses htpasswd text into user → bcrypt hash; `file` names the source in errors. */
export function parseHtpasswd(text: string, file: string): Map<string, string> {
  const users = new Map<string, string>();
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `${file}:${i + 1}`;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new HullError('HTPASSWD_INVALID', `${where}: expected "user:hash"`, { file });
    const user = line.slice(0, colon);
    const hash = line.slice(colon + 1);
    if (!BCRYPT_RE.test(hash))
      throw new HullError(
        'HTPASSWD_INVALID',
        `${where}: user "${user}" has a ${describeHash(hash)} hash; only bcrypt ($2y$, $2a$, $2b$) is supported (htpasswd -B)`,
        { file },
      );
    if (users.has(user)) throw new HullError('HTPASSWD_INVALID', `${where}: user "${user}" appears twice`, { file });
    users.set(user, hash);
  });
  return users;
}

function describeHash(hash: string): string {
  if (hash.startsWith('$apr1$')) return 'MD5 ($apr1$)';
  if (hash.startsWith('{SHA}')) return 'SHA1 ({SHA})';
  if (hash.startsWith('$5$') || hash.startsWith('$6$')) return 'SHA-crypt';
  if (hash.startsWith('$2')) return 'malformed bcrypt';
  return 'crypt or plain-text';
}

/** Successful checks are remembered briefly: bcryptjs costs ~50ms+ a check, and a push makes dozens of requests. */
const CACHE_TTL_MS = 60_000;
const CACHE_MAX = 1000;

export class Htpasswd {
  readonly file: string;
  private users: Map<string, string>;
  private stamp: string;
  private verified = new Map<string, number>();
  /** A bcrypt hash compared against for unknown users, so timing does not reveal which users exist. */
  private static dummyHash: string | undefined;

  /** Reads the file now (synchronously, at start), so a bad file fails before serving. */
  constructor(file: string) {
    this.file = file;
    const st = statSync(file);
    this.stamp = `${st.mtimeMs}:${st.size}`;
    this.users = parseHtpasswd(readFileSync(file, 'utf8'), file);
  }

  /** Re-reads the file when it changed; a broken edit throws (the request fails) rather than opening access. */
  async refresh(): Promise<void> {
    const st = await stat(this.file);
    const stamp = `${st.mtimeMs}:${st.size}`;
    if (stamp === this.stamp) return;
    this.users = parseHtpasswd(readFileSync(this.file, 'utf8'), this.file);
    this.stamp = stamp;
    this.verified.clear();
  }

  has(user: string): boolean {
    return this.users.has(user);
  }

  async verify(user: string, password: string): Promise<boolean> {
    await this.refresh();
    const hash = this.users.get(user);
    if (hash === undefined) {
      Htpasswd.dummyHash ??= await bcrypt.hash('not a password', 10);
      await bcrypt.compare(password, Htpasswd.dummyHash);
      return false;
    }
    const key = createHash('sha256').update(`${user}\0${password}\0${hash}`).digest('hex');
    const until = this.verified.get(key);
    if (until !== undefined && until > Date.now()) return true;
    if (!(await bcrypt.compare(password, hash))) return false;
    if (this.verified.size >= CACHE_MAX) this.verified.clear();
    this.verified.set(key, Date.now() + CACHE_TTL_MS);
    return true;
  }
}

/** Reads `Authorization: Basic …`; undefined when absent or not Basic. */
export function parseBasicAuth(header: string | undefined): { user: string; password: string } | undefined {
  if (!header) return undefined;
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m?.[1]) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
