import { embeddingPairsInBlock } from '../../../src/kernels/embedding/nearest';
import { l2normalise } from '../../../src/util/vector';

/** n random unit vectors of `dim` (seeded), row-major. */
function randomRows(n: number, dim: number, seed = 7): Float32Array {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) out.set(l2normalise(Float32Array.from({ length: dim }, rand)), i * dim);
  return out;
}

/** Every pair at or above the threshold, by brute force. */
function bruteForce(v: Float32Array, dim: number, min: number): string[] {
  const n = v.length / dim;
  const out: string[] = [];
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      let d = 0;
      for (let k = 0; k < dim; k++) d += v[i * dim + k] * v[j * dim + k];
      if (d >= min) out.push(`${i},${j}`);
    }
  return out.sort();
}

test('blocks of rows together find exactly the pairs a brute-force search finds', () => {
  const dim = 16;
  const n = 150; // more than two tiles of 64
  const v = randomRows(n, dim);
  // Plant near-copies: row 3 ~ row 140, row 70 ~ row 71.
  for (const [a, b] of [
    [3, 140],
    [70, 71],
  ]) {
    const copy = v.slice(a * dim, (a + 1) * dim).map((x, k) => x + (k === 0 ? 0.01 : 0));
    v.set(l2normalise(copy), b * dim);
  }
  const min = 0.5;
  const found: string[] = [];
  for (let from = 0; from < n; from += 40) {
    const r = embeddingPairsInBlock(v, dim, from, from + 40, min);
    for (let k = 0; k < r.a.length; k++) {
      expect(r.a[k]).toBeLessThan(r.b[k]);
      expect(r.score[k]).toBeGreaterThanOrEqual(min);
      found.push(`${r.a[k]},${r.b[k]}`);
    }
  }
  const expected = bruteForce(v, dim, min);
  expect(expected).toEqual(expect.arrayContaining(['3,140', '70,71']));
  expect(found.sort()).toEqual(expected);
});

test('a matrix whose length is not whole rows is an error', () => {
  expect(() => embeddingPairsInBlock(new Float32Array(10), 3, 0, 1, 0.9)).toThrow(/not rows of 3/);
});
