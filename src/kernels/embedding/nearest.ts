/**
 * Exact nearest-neighbour search over L2-normalised embeddings (cosine = dot product), one block of rows
 * at a time so the pool can share the work: rows [from, to) against every later row of the matrix. The
 * matrix is row-major n x dim, usually on a SharedArrayBuffer so each worker reads it without a copy.
 * Exact, not approximate: at the collection sizes the deep mode is meant for (thousands of images) a
 * blocked dot product is fast enough, and nothing is missed.
 */

/** Pairs of rows (a < b) whose cosine is at least the threshold, as parallel arrays. */
export interface EmbeddingPairs {
  a: Int32Array;
  b: Int32Array;
  score: Float32Array;
}

/** Rows of the matrix compared per inner tile (a tile of later rows stays in cache across the block). */
const TILE = 64;

/** Every pair (i, j), from <= i < to, i < j < n, with dot(v_i, v_j) >= minCosine. */
export function embeddingPairsInBlock(
  vectors: Float32Array,
  dim: number,
  from: number,
  to: number,
  minCosine: number,
): EmbeddingPairs {
  const n = vectors.length / dim;
  if (!Number.isInteger(n)) throw new RangeError(`${vectors.length} values are not rows of ${dim}`);
  const a: number[] = [];
  const b: number[] = [];
  const score: number[] = [];
  for (let j0 = from + 1; j0 < n; j0 += TILE) {
    const j1 = Math.min(n, j0 + TILE);
    for (let i = from; i < Math.min(to, j1 - 1); i++) {
      const oi = i * dim;
      for (let j = Math.max(j0, i + 1); j < j1; j++) {
        const oj = j * dim;
        let dot = 0;
        for (let k = 0; k < dim; k++) dot += vectors[oi + k] * vectors[oj + k];
        if (dot >= minCosine) {
          a.push(i);
          b.push(j);
          score.push(dot);
        }
      }
    }
  }
  return { a: Int32Array.from(a), b: Int32Array.from(b), score: Float32Array.from(score) };
}
