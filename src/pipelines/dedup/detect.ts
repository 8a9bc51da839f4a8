/**
 * Stages 1-5 over a set of feature records: candidate pairs from the Hamming index, verification of each
 * candidate (hash, colour, structure, embedding), then complete-linkage grouping of the verified pairs.
 * Only features (a few kB per image) are held, never pixels.
 */
import { HammingIndex } from './candidate-index';
import { groupPairs, type DuplicateGroup, type ScoredPair } from './grouping';
import type { GroupingSettings, VerifySettings } from './settings';
import type { ImageFeatures } from './types';
import { verifyPair, type PairVerdict } from './verify';

export interface DetectStats {
  candidates: number;
  verified: number;
  rejected: Record<NonNullable<PairVerdict['rejectedBy']>, number>;
}

/** Progress hook: the index is built ('candidates'), pairs checked ('verify'), groups formed ('group'). */
export type DetectProgress = (
  stage: 'candidates' | 'verify' | 'group',
  done: number,
  finished?: boolean,
) => void;

export interface DetectResult {
  /** Groups of indices into the input array. */
  groups: DuplicateGroup[];
  stats: DetectStats;
}

/**
 * Finds near-duplicate groups among `items`. With hash variants present (features computed with
 * `variants: true`), mirrored/rotated copies are found too: each item's variant hashes are looked up.
 */
export function findNearDuplicates(
  items: readonly ImageFeatures[],
  verify: VerifySettings,
  grouping: Partial<GroupingSettings> = {},
  onProgress?: DetectProgress,
): DetectResult {
  const stats: DetectStats = {
    candidates: 0,
    verified: 0,
    rejected: { hash: 0, colour: 0, structure: 0, embedding: 0 },
  };
  const index = HammingIndex.fromHex(items.map((f) => f.hashes[verify.indexHash]));
  const best = new Map<string, ScoredPair>();
  const consider = (a: number, b: number, verdict: PairVerdict) => {
    stats.candidates++;
    if ((stats.candidates & 1023) === 0) onProgress?.('verify', stats.candidates);
    if (!verdict.pass) {
      stats.rejected[verdict.rejectedBy!]++;
      return;
    }
    stats.verified++;
    const key = a < b ? `${a},${b}` : `${b},${a}`;
    const prev = best.get(key);
    if (!prev || prev.score < verdict.score)
      best.set(key, { a: Math.min(a, b), b: Math.max(a, b), score: verdict.score });
  };
  onProgress?.('candidates', items.length, true);
  for (const { a, b } of index.candidates(verify.maxHashDistance))
    consider(a, b, verifyPair(items[a], items[b], verify));
  items.forEach((item, i) => {
    for (const v of item.variants) {
      for (const { id } of index.query(v[verify.indexHash], verify.maxHashDistance)) {
        // items[id] looks like transform(item): compare item's thumbnail under the same transform.
        if (id !== i) consider(id, i, verifyPair(items[id], item, verify, v.transform));
      }
    }
  });
  onProgress?.('verify', stats.candidates, true);
  const groups = groupPairs([...best.values()], grouping);
  onProgress?.('group', groups.length, true);
  return { groups, stats };
}
