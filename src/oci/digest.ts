/**
 * Digests per image-spec/descriptor.md#digests: `algorithm:encoded`, with sha256 and sha512
 * registered. Every blob read goes through `verifyingStream`, which fails at end of stream when
 * the bytes do not match the expected digest and size (never hands out unverified data as good).
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { HullError } from '../errors.js';

export type DigestAlgorithm = 'sha256' | 'sha512';

const ENCODED_LENGTH: Record<DigestAlgorithm, number> = { sha256: 64, sha512: 128 };
// descriptor.md#digests: algorithm-component grammar.
const GRAMMAR = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const SECTION = 'image-spec/descriptor.md#digests';

export interface ParsedDigest {
  algorithm: DigestAlgorithm;
  encoded: string;
}

/** Returns a problem message, or undefined when `digest` is a valid sha256/sha512 digest. */
export function digestProblem(digest: unknown): string | undefined {
  if (typeof digest !== 'string') return 'digest must be a string';
  if (!GRAMMAR.test(digest)) return `'${digest}' does not match the digest grammar algorithm:encoded`;
  const [algorithm, encoded] = digest.split(':', 2) as [string, string];
  if (algorithm !== 'sha256' && algorithm !== 'sha512') return `unsupported digest algorithm '${algorithm}'`;
  if (!/^[a-f0-9]+$/.test(encoded) || encoded.length !== ENCODED_LENGTH[algorithm])
    return `${algorithm} digest must be ${ENCODED_LENGTH[algorithm]} lowercase hex characters`;
  return undefined;
}

export function parseDigest(digest: string, file?: string): ParsedDigest {
  const problem = digestProblem(digest);
  if (problem) throw new HullError('DIGEST_INVALID', `invalid digest: ${problem}`, { file, section: SECTION });
  const [algorithm, encoded] = digest.split(':', 2) as [DigestAlgorithm, string];
  return { algorithm, encoded };
}

export function isDigest(value: unknown): value is string {
  return digestProblem(value) === undefined;
}

export function digestOf(data: Buffer | string, algorithm: DigestAlgorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(data).digest('hex')}`;
}

/** Incrementally digests and counts bytes. */
export class Digester {
  readonly algorithm: DigestAlgorithm;
  private readonly hash: Hash;
  size = 0;
  constructor(algorithm: DigestAlgorithm = 'sha256') {
    this.algorithm = algorithm;
    this.hash = createHash(algorithm);
  }
  update(chunk: Buffer): void {
    this.hash.update(chunk);
    this.size += chunk.length;
  }
  digest(): string {
    return `${this.algorithm}:${this.hash.digest('hex')}`;
  }
}

/** Passes bytes through unchanged and digests them; `result()` is valid after the end. */
export class DigestingStream extends Transform {
  private readonly digester: Digester;
  private final_: string | undefined;
  constructor(algorithm: DigestAlgorithm = 'sha256') {
    super();
    this.digester = new Digester(algorithm);
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.digester.update(chunk);
    cb(null, chunk);
  }
  override _flush(cb: TransformCallback): void {
    this.final_ = this.digester.digest();
    cb();
  }
  result(): { digest: string; size: number } {
    if (this.final_ === undefined) throw new Error('DigestingStream.result() before end of stream');
    return { digest: this.final_, size: this.digester.size };
  }
}

/**
 * Passes bytes through and fails the stream (before it ends) if the content does not match
 * `expected.digest` and `expected.size`. Also fails as soon as more than `size` bytes arrive.
 */
export class VerifyingStream extends Transform {
  private readonly digester: Digester;
  private readonly expected: { digest: string; size: number };
  private readonly label: string;
  constructor(expected: { digest: string; size: number }, label = expected.digest) {
    super();
    const { algorithm } = parseDigest(expected.digest, label);
    this.digester = new Digester(algorithm);
    this.expected = expected;
    this.label = label;
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.digester.update(chunk);
    if (this.expected.size >= 0 && this.digester.size > this.expected.size) {
      cb(sizeMismatch(this.label, this.expected.size, this.digester.size, true));
      return;
    }
    cb(null, chunk);
  }
  override _flush(cb: TransformCallback): void {
    if (this.expected.size >= 0 && this.digester.size !== this.expected.size) {
      cb(sizeMismatch(this.label, this.expected.size, this.digester.size, false));
      return;
    }
    const actual = this.digester.digest();
    if (actual !== this.expected.digest) {
      cb(
        new HullError(
          'DIGEST_MISMATCH',
          `${this.label}: content digest ${actual} does not match ${this.expected.digest}`,
          {
            file: this.label,
            section: 'image-spec/descriptor.md#digests',
          },
        ),
      );
      return;
    }
    cb();
  }
}

function sizeMismatch(label: string, expected: number, got: number, over: boolean): HullError {
  return new HullError(
    'SIZE_MISMATCH',
    `${label}: content is ${over ? 'longer than' : `${got} bytes, not`} the ${expected} bytes its descriptor states`,
    { file: label, section: 'image-spec/descriptor.md#properties' },
  );
}

/** Verifies an in-memory blob against a descriptor's digest and size. */
export function verifyBuffer(data: Buffer, expected: { digest: string; size: number }, label = expected.digest): void {
  if (expected.size >= 0 && data.length !== expected.size)
    throw sizeMismatch(label, expected.size, data.length, data.length > expected.size);
  const { algorithm } = parseDigest(expected.digest, label);
  const actual = digestOf(data, algorithm);
  if (actual !== expected.digest)
    throw new HullError('DIGEST_MISMATCH', `${label}: content digest ${actual} does not match ${expected.digest}`, {
      file: label,
      section: 'image-spec/descriptor.md#digests',
    });
}
