/**
 * A self-signed certificate and key for 127.0.0.1 (and localhost), made with openssl for tests
 * of `hull registry serve --tls-cert/--tls-key`. Clients must still skip verification
 * (--tls-verify=false) or trust `cert` explicitly: it is its own CA.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../helpers/fixtures.js';

export interface TlsFixture {
  /** PEM files on disk. */
  certFile: string;
  keyFile: string;
  /** The same, as text (for node's https/tls options). */
  cert: string;
  key: string;
}

export function makeTlsFixture(dir: string = tempDir('hull-tls-')): TlsFixture {
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'pipe' },
  );
  return { certFile, keyFile, cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
}
