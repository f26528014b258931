/**
 * Docker credential helpers (docker-credential-helpers' protocol, which docker's config.json
 * names in `credsStore` and `credHelpers`, and containers-auth.json(5) in `credHelpers`):
 * `docker-credential-NAME get` reads the server on stdin and prints
 * `{"ServerURL","Username","Secret"}`; a non-zero exit means "no credentials for it".
 */
import { execFile } from 'node:child_process';
import { HullError } from '../errors.js';
import type { Credentials } from './auth-file.js';

/** A helper name runs as a program: keep it to the characters helper names use. */
const HELPER_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export async function credentialsFromHelper(
  helper: string,
  server: string,
  file: string,
): Promise<Credentials | undefined> {
  if (!HELPER_NAME_RE.test(helper))
    throw new HullError('AUTH_FILE_INVALID', `${file}: '${helper}' is not a credential helper name`, { file });
  const program = `docker-credential-${helper}`;
  const out = await new Promise<string | undefined>((resolve, reject) => {
    const child = execFile(program, ['get'], { timeout: 30_000, encoding: 'utf8' }, (err, stdout) => {
      if (!err) return resolve(stdout);
      if ((err as NodeJS.ErrnoException).code === 'ENOENT')
        return reject(
          new HullError('CRED_HELPER_MISSING', `${file}: credential helper ${program} is not installed`, { file }),
        );
      // "credentials not found in native keychain" and the like: nothing stored for this server.
      resolve(undefined);
    });
    // A helper that exits without reading stdin must not crash us with EPIPE.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(server);
  });
  if (out === undefined) return undefined;
  let doc: { Username?: unknown; Secret?: unknown };
  try {
    doc = JSON.parse(out) as typeof doc;
  } catch {
    throw new HullError('CRED_HELPER_FAILED', `${program} get: did not print JSON`, { file });
  }
  if (typeof doc.Username !== 'string' || typeof doc.Secret !== 'string') return undefined;
  // "<token>" marks an OAuth identity (refresh) token, which registries here do not take as a password.
  if (doc.Username === '<token>') return undefined;
  return { username: doc.Username, password: doc.Secret };
}
