/**
 * Which inflater gzip layers go through. Intel ISA-L's `igzip -dc` (Debian package isal)
 * inflates about 3–4× faster than zlib (debian:bench's 51 MB layer: 0.24 s vs 0.79 s of CPU), so
 * when it is installed the decode worker pipes gzip layers through it, as containerd does with
 * unpigz/igzip; node:zlib is the fallback. Either way the blob digest is checked on the
 * compressed bytes and the diff_id on the tar, so the tool changes nothing but speed.
 *
 * HULL_GZIP=zlib forces node:zlib, HULL_GZIP=igzip requires igzip (an error when it is missing),
 * HULL_GZIP=auto (or unset) picks igzip when found. HULL_IGZIP names the binary (default: igzip
 * on PATH, or /usr/bin/igzip).
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { HullError } from '../../errors.js';
import { native } from '../../native.js';
import type { GunzipTool } from './decode-worker.js';

let cached: { key: string; bin: string | undefined } | undefined;

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findIgzip(): string | undefined {
  const named = process.env.HULL_IGZIP;
  if (named) return named.includes('/') ? (executable(named) ? named : undefined) : searchPath(named);
  return searchPath('igzip') ?? (executable('/usr/bin/igzip') ? '/usr/bin/igzip' : undefined);
}

function searchPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    if (executable(p)) return p;
  }
  return undefined;
}

/** How gzip layers are inflated here and now (see the module comment). */
export function gzipInflater(): GunzipTool {
  const mode = process.env.HULL_GZIP || 'auto';
  if (mode === 'zlib') return { via: 'zlib' };
  if (mode !== 'auto' && mode !== 'isal' && mode !== 'igzip')
    throw new HullError('HULL_GZIP_INVALID', `HULL_GZIP must be 'auto', 'isal', 'igzip' or 'zlib', not '${mode}'`);
  if (mode !== 'igzip') {
    if ((native() as unknown as { inflateAvailable(): boolean }).inflateAvailable()) return { via: 'isal' };
    if (mode === 'isal')
      throw new HullError(
        'ISAL_MISSING',
        "HULL_GZIP=isal but ISA-L is not available: install Debian's libisal2 (and libisal-dev before building the addon: scripts/setup), or unset HULL_GZIP",
      );
  }
  // A few access() calls per lookup; cached per environment (tests change it).
  const key = `${process.env.HULL_IGZIP ?? ''}\0${process.env.PATH ?? ''}`;
  if (cached?.key !== key) cached = { key, bin: findIgzip() };
  if (cached.bin) return { via: 'igzip', bin: cached.bin };
  if (mode === 'igzip')
    throw new HullError(
      'IGZIP_MISSING',
      `HULL_GZIP=igzip but igzip was not found (${process.env.HULL_IGZIP || 'igzip on PATH, /usr/bin/igzip'}): install Debian's isal package (apt-get install isal), or unset HULL_GZIP`,
    );
  return { via: 'zlib' };
}
