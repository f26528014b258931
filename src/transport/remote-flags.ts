/** Parsing of the registry flags commands share (skopeo's --tls-verify=BOOL, --creds USER:PASS). */
import { HullError } from '../errors.js';
import { parseCredsFlag } from './auth-file.js';
import type { RemoteOptions } from './image-source.js';

/** `--tls-verify=false` style values; undefined when the flag is absent. */
export function parseBoolFlag(value: string | undefined, flagName: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new HullError('USAGE', `${flagName} must be true or false, not '${value}'`);
}

export function remoteOptions(
  tlsVerify: string | undefined,
  creds: string | undefined,
  authfile: string | undefined,
  names: { tls: string; creds: string },
): RemoteOptions {
  const out: RemoteOptions = {};
  const tls = parseBoolFlag(tlsVerify, names.tls);
  if (tls !== undefined) out.tlsVerify = tls;
  if (creds !== undefined) out.creds = parseCredsFlag(creds, names.creds);
  if (authfile !== undefined) out.authfile = authfile;
  return out;
}
