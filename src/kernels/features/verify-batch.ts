/**
 * A batch of candidate pairs verified in one call (kernel code: the hash workers run it, so the main
 * thread only routes pairs and feature data). Records come as a table indexed by the pairs: colour
 * signatures only (stages 1-2) or full records (stages 1-4). A pair that passes stages 1-2 while a record
 * is screen-only comes back as `undefined`: the caller loads the full records and sends it again.
 */
import type { ImageFeatures, Transform, VerifySettings } from './types';
import { screenPair, verifyPair, type PairVerdict, type ScreenFeatures } from './verify';

/** One candidate pair: records[a] looks like `transform` applied to records[b]. */
export interface BatchPair {
  a: number;
  b: number;
  transform: Transform;
}

/** The pairs of one call and the records they index. */
export interface VerifyBatch {
  pairs: readonly BatchPair[];
  /** Screen features, or full records (with `thumb`), by the indices the pairs use. */
  records: readonly (ScreenFeatures | ImageFeatures)[];
}

const isFull = (r: ScreenFeatures | ImageFeatures): r is ImageFeatures => 'thumb' in r;

/** Verdicts of `batch.pairs` (same order); `undefined` for a screened-in pair whose records are not full. */
export function verifyBatch(batch: VerifyBatch, settings: VerifySettings): (PairVerdict | undefined)[] {
  return batch.pairs.map(({ a, b, transform }) => {
    const ra = batch.records[a];
    const rb = batch.records[b];
    if (isFull(ra) && isFull(rb)) return verifyPair(ra, rb, settings, transform);
    return screenPair(ra, rb, settings, transform);
  });
}
