/**
 * Streams a blob into blobs/ALG/ENC (image-layout.md#blobs): bytes go to a temp file inside
 * blobs/ (same filesystem, so the final rename is atomic), are digested on the way, fsynced,
 * checked against the expected digest and size, and only then renamed into place. Any failure
 * removes the temp file, so blobs/ never holds content that does not match its name.
 */
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { HullError } from '../../errors.js';
import { type DigestAlgorithm, Digester, parseDigest } from '../../oci/digest.js';
import { fsyncDir, tempPath } from './fs-util.js';

export interface BlobRef {
  digest: string;
  size: number;
}

const SECTION = 'image-spec/descriptor.md#digests';

export async function writeBlob(
  blobsDir: string,
  source: Readable,
  expected: BlobRef | undefined,
  algorithm: DigestAlgorithm = 'sha256',
): Promise<BlobRef> {
  const alg = expected ? parseDigest(expected.digest).algorithm : algorithm;
  const label = expected?.digest ?? 'blob';
  const tmp = tempPath(blobsDir);
  try {
    const digester = new Digester(alg);
    const handle = await open(tmp, 'wx', 0o644);
    try {
      for await (const chunk of source) {
        const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
        digester.update(buf);
        // Stop early rather than fill the disk with a blob that is already too long.
        if (expected && expected.size >= 0 && digester.size > expected.size)
          throw new HullError('SIZE_MISMATCH', `${label}: content is longer than the ${expected.size} bytes expected`, {
            file: label,
            section: 'image-spec/descriptor.md#properties',
          });
        await handle.write(buf);
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    const actual: BlobRef = { digest: digester.digest(), size: digester.size };
    if (expected) checkExpected(actual, expected, label);
    const { encoded } = parseDigest(actual.digest);
    const algDir = join(blobsDir, alg);
    await mkdir(algDir, { recursive: true });
    await rename(tmp, join(algDir, encoded));
    await fsyncDir(algDir);
    return actual;
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

function checkExpected(actual: BlobRef, expected: BlobRef, label: string): void {
  if (expected.size >= 0 && actual.size !== expected.size)
    throw new HullError(
      'SIZE_MISMATCH',
      `${label}: content is ${actual.size} bytes, not the ${expected.size} bytes expected`,
      {
        file: label,
        section: 'image-spec/descriptor.md#properties',
      },
    );
  if (actual.digest !== expected.digest)
    throw new HullError(
      'DIGEST_MISMATCH',
      `${label}: content digest ${actual.digest} does not match ${expected.digest}`,
      {
        file: label,
        section: SECTION,
      },
    );
}
