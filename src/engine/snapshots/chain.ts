/**
 * ChainIDs (image-spec/config.md#layer-chainid): a snapshot is keyed by the layer it holds *and*
 * every layer under it, so two images share a snapshot exactly when they share the stack below.
 *   ChainID(L0) = DiffID(L0)
 *   ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln))
 */
import { createHash } from 'node:crypto';
import { parseDigest } from '../../oci/digest.js';

export function chainIDs(diffIDs: readonly string[]): string[] {
  const out: string[] = [];
  for (const [i, diffID] of diffIDs.entries()) {
    parseDigest(diffID, `rootfs.diff_ids[${i}]`);
    const prev = out[i - 1];
    out.push(prev === undefined ? diffID : `sha256:${createHash('sha256').update(`${prev} ${diffID}`).digest('hex')}`);
  }
  return out;
}

/** The directory name of a chainID: its hex (every chainID after the first is sha256). */
export function chainKey(chainID: string): string {
  const { algorithm, encoded } = parseDigest(chainID);
  return algorithm === 'sha256' ? encoded : `${algorithm}-${encoded}`;
}
