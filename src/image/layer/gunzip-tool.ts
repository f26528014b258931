/**
 * Which inflater gzip layers go through (layer/decode.ts). Either way the
 * blob digest is checked on the compressed bytes and the diff_id on the tar, and bad gzip data
 * is the same LAYER_INVALID error, so the choice changes nothing but speed.
 *
 *  - isal (default where available): Intel ISA-L's inflate in the native addon's layer
 *    decoder threads (decode-native.ts; native/addon/inflate.cc loads libisal2 with dlopen). debian:bench's 51 MB layer:
 *    ~0.20 s of CPU against ~0.39 s for Node 20's zlib (Chromium's, already SIMD-tuned; GNU gzip
 *    takes 0.76 s). Unpack of debian:bench: ~18% less CPU than zlib; pull: ~20% less.
 *  - zlib: node:zlib on libuv's thread pool, driven by the decode worker (decode-worker.ts);
 *    the fallback (HULL_GZIP=zlib forces it).
 *  - igzip (only with HULL_GZIP=igzip): the `igzip -dc` program as a pipe, as containerd uses
 *    unpigz/igzip. Measured slower than zlib here: the pipe costs more than the faster inflate
 *    saves (igzip -dc | cat takes 0.38 s against 0.24 s to /dev/null), so it is never picked by
 *    itself. HULL_IGZIP names the binary (default: igzip on PATH, or /usr/bin/igzip).
 *
 * HULL_GZIP=auto (or unset) picks isal, else zlib; HULL_GZIP=isal or igzip insist on that tool
 * (an error naming the package when it is missing).
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { HullError } from '../../errors.js';
import { native } from '../../native.js';
import type { GunzipTool } from './decode-protocol.js';

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
  if (mode === 'auto' || mode === 'isal') {
    // An addon built before inflate.cc existed has no inflateAvailable: zlib then.
    const n = native() as unknown as { inflateAvailable?: () => boolean };
    if (typeof n.inflateAvailable === 'function' && n.inflateAvailable()) return { via: 'isal' };
    if (mode === 'auto') return { via: 'zlib' };
    throw new HullError(
      'ISAL_MISSING',
      "HULL_GZIP=isal but ISA-L is not available to hull's native addon: install Debian's libisal2 (and libisal-dev before building the addon; scripts/setup does both), or unset HULL_GZIP",
    );
  }
  if (mode !== 'igzip')
    throw new HullError('HULL_GZIP_INVALID', `HULL_GZIP must be 'auto', 'isal', 'igzip' or 'zlib', not '${mode}'`);
  // A few access() calls per lookup; cached per environment (tests change it).
  const key = `${process.env.HULL_IGZIP ?? ''}\0${process.env.PATH ?? ''}`;
  if (cached?.key !== key) cached = { key, bin: findIgzip() };
  if (cached.bin) return { via: 'igzip', bin: cached.bin };
  throw new HullError(
    'IGZIP_MISSING',
    `HULL_GZIP=igzip but igzip was not found (${process.env.HULL_IGZIP || 'igzip on PATH, /usr/bin/igzip'}): install Debian's isal package (apt-get install isal), or unset HULL_GZIP`,
  );
}
