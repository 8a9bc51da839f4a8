import fc from 'fast-check';
import { chooseChunks, HammingIndex } from '../../src/pipelines/dedup/candidate-index';
import { hammingHex } from '../../src/kernels/features/hamming';

const hash64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
const hex = (b: bigint) => b.toString(16).padStart(16, '0');

/** Random hashes with clusters: some are copies of others with a few bits flipped, so matches exist. */
const clustered = fc
  .tuple(
    fc.array(hash64, { minLength: 1, maxLength: 40 }),
    fc.array(fc.tuple(fc.nat(), fc.array(fc.integer({ min: 0, max: 63 }), { maxLength: 14 })), {
      maxLength: 60,
    }),
  )
  .map(([seeds, derived]) => [
    ...seeds.map(hex),
    ...derived.map(([pick, flips]) =>
      hex(flips.reduce((h, bit) => h ^ (1n << BigInt(bit)), seeds[pick % seeds.length])),
    ),
  ]);

function brute(hashes: string[], r: number): string[] {
  const out: string[] = [];
  for (let a = 0; a < hashes.length; a++)
    for (let b = a + 1; b < hashes.length; b++) {
      const d = hammingHex(hashes[a], hashes[b]);
      if (d <= r) out.push(`${a},${b},${d}`);
    }
  return out.sort();
}

describe('HammingIndex', () => {
  test('candidates() agrees exactly with brute force (auto chunking)', () => {
    fc.assert(
      fc.property(clustered, fc.integer({ min: 0, max: 16 }), (hashes, r) => {
        const got = [...HammingIndex.fromHex(hashes).candidates(r)].map((p) => `${p.a},${p.b},${p.distance}`);
        expect(got.sort()).toEqual(brute(hashes, r));
      }),
      { numRuns: 300 },
    );
  });

  test('candidates() agrees with brute force for every chunk count, incl. radius > 0 per chunk', () => {
    // Keep the per-chunk radius floor(r / m) <= 3: larger radii are correct but slow to enumerate.
    const rm = fc
      .integer({ min: 0, max: 14 })
      .chain((r) =>
        fc.tuple(fc.constant(r), fc.integer({ min: Math.max(2, Math.floor(r / 4) + 1), max: 16 })),
      );
    fc.assert(
      fc.property(clustered, rm, (hashes, [r, m]) => {
        const got = [...HammingIndex.fromHex(hashes).candidates(r, m)].map(
          (p) => `${p.a},${p.b},${p.distance}`,
        );
        expect(got).toHaveLength(new Set(got).size); // each pair once
        expect(got.sort()).toEqual(brute(hashes, r));
      }),
      { numRuns: 300 },
    );
  });

  test('query() returns exactly the items within the threshold', () => {
    fc.assert(
      fc.property(clustered, hash64, fc.integer({ min: 0, max: 14 }), (hashes, q, r) => {
        const query = hex(q);
        const index = HammingIndex.fromHex(hashes);
        const expected = hashes
          .map((h, id) => ({ id, distance: hammingHex(h, query) }))
          .filter((x) => x.distance <= r);
        // Query with a near copy of an indexed hash as well, so matches are present.
        const near = hashes[0];
        const expectedNear = hashes
          .map((h, id) => ({ id, distance: hammingHex(h, near) }))
          .filter((x) => x.distance <= r);
        const sort = (xs: { id: number }[]) => [...xs].sort((a, b) => a.id - b.id);
        expect(sort(index.query(query, r))).toEqual(expected);
        expect(sort(index.query(near, r))).toEqual(expectedNear);
      }),
      { numRuns: 200 },
    );
  });

  test('does far fewer distance checks than all pairs on a large random set', () => {
    const n = 10000;
    let seed = 42;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    const hashes = Array.from(
      { length: n },
      () => rnd().toString(16).padStart(8, '0') + rnd().toString(16).padStart(8, '0'),
    );
    const index = HammingIndex.fromHex(hashes);
    let checks = 0;
    const orig = index.distance.bind(index);
    index.distance = (a: number, b: number) => {
      checks++;
      return orig(a, b);
    };
    const pairs = [...index.candidates(8)];
    expect(pairs.every((p) => p.distance <= 8)).toBe(true);
    expect(checks).toBeLessThan((n * (n - 1)) / 2 / 50);
    expect(chooseChunks(n, 8)).toBeGreaterThanOrEqual(2);
  });
});
