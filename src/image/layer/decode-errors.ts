/**
 * The errors the decode worker posts, serialized for postMessage: the same code, message, file
 * and section as VerifyingStream (src/oci/digest.ts) for digest and size mismatches, and
 * node:zlib's wording for corrupt gzip from ISA-L or igzip, so a layer fails the same way
 * whichever inflater ran.
 */
import { HullError } from '../../errors.js';
import type { SerializedError } from './decode-protocol.js';

export function serialize(err: unknown): SerializedError {
  const e = err as { name?: string; code?: unknown; message?: string; file?: string; section?: string };
  return {
    hull: e?.name === 'HullError',
    code: typeof e?.code === 'string' ? e.code : undefined,
    message: typeof e?.message === 'string' ? e.message : String(err),
    file: e?.file,
    section: e?.section,
  };
}

export function hullError(
  code: string,
  message: string,
  file: string,
  section: string,
): SerializedError & { name: string } {
  return { name: 'HullError', hull: true, code, message, file, section };
}

export function sizeMismatch(label: string, expected: number, got: number, over: boolean) {
  return hullError(
    'SIZE_MISMATCH',
    `${label}: content is ${over ? 'longer than' : `${got} bytes, not`} the ${expected} bytes its descriptor states`,
    label,
    'image-spec/descriptor.md#properties',
  );
}

export function digestMismatch(label: string, actual: string, expected: string) {
  return hullError(
    'DIGEST_MISMATCH',
    `${label}: content digest ${actual} does not match ${expected}`,
    label,
    'image-spec/descriptor.md#digests',
  );
}

export type Verdict = ReturnType<typeof sizeMismatch> | null;

/**
 * A whole blob's verdict, from the bytes read and their digest (`algorithm:hex`): null when both
 * match its descriptor (a size of -1 is not checked). Either decoder words it this way.
 */
export function blobVerdict(
  blob: { digest: string; size: number; label: string },
  bytes: number,
  actual: string,
): Verdict {
  if (blob.size >= 0 && bytes !== blob.size) return sizeMismatch(blob.label, blob.size, bytes, bytes > blob.size);
  return actual === blob.digest ? null : digestMismatch(blob.label, actual, blob.digest);
}

/** The tar's verdict against the config's diff_id, from its digest (`algorithm:hex`). */
export function diffVerdict(diff: { digest: string; label: string }, actual: string): Verdict {
  return actual === diff.digest ? null : digestMismatch(diff.label, actual, diff.digest);
}

/** ISA-L's inflate errors (isa-l/igzip_lib.h) as node:zlib words them for the same data. */
export function isalError(rc: number): SerializedError {
  const words: Record<number, string> = {
    [-1]: 'invalid block type',
    [-2]: 'invalid code lengths set',
    [-3]: 'invalid distance too far back',
    [-4]: 'incorrect header check',
    [-5]: 'unknown compression method',
    [-6]: 'incorrect data check',
  };
  return { hull: false, code: 'Z_DATA_ERROR', message: words[rc] ?? `invalid compressed data (ISA-L error ${rc})` };
}

/**
 * igzip's non-zero exit as the error node:zlib gives for the same data (apply.ts makes it
 * LAYER_INVALID naming the layer), with igzip's own words after it.
 */
export function igzipFailure(code: number | null, signal: NodeJS.Signals | null, stderr: string): SerializedError {
  if (signal) return { hull: false, code: 'IGZIP_FAILED', message: `igzip was killed by ${signal}` };
  // igzip names its input "(null)" when it is stdin.
  const detail = stderr
    .replace(/\s*(for |in )?file \(null\)/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  const what = /complete gzip/.test(detail)
    ? 'unexpected end of file'
    : /header/.test(detail)
      ? 'incorrect header check'
      : 'invalid compressed data';
  return {
    hull: false,
    code: 'Z_DATA_ERROR',
    message: `${what} (${detail || `igzip exited with status ${code}`})`,
  };
}

/** The error a serialized one stands for, on the main thread. */
export function revive(e: SerializedError): Error {
  if (e.hull) return new HullError(e.code ?? 'LAYER_INVALID', e.message, { file: e.file, section: e.section });
  const err = new Error(e.message) as NodeJS.ErrnoException;
  if (e.code) err.code = e.code;
  return err;
}
