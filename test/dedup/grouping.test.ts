import { groupPairs } from '../../src/pipelines/dedup/grouping';
import { chooseKeeper, rankMembers } from '../../src/pipelines/dedup/keeper';

describe('groupPairs (complete linkage)', () => {
  test('does not chain A~B~C when A and C are unrelated', () => {
    const groups = groupPairs([
      { a: 0, b: 1, score: 0.9 },
      { a: 1, b: 2, score: 0.8 },
    ]);
    expect(groups).toHaveLength(1);
    expect(groups[0].members).toEqual([0, 1]); // the stronger pair wins, 2 stays out
    expect(groups[0].score).toBeCloseTo(0.9);
  });

  test('a clique becomes one group with the mean pair score', () => {
    const groups = groupPairs([
      { a: 0, b: 1, score: 0.9 },
      { a: 1, b: 2, score: 0.8 },
      { a: 0, b: 2, score: 0.7 },
      { a: 5, b: 6, score: 0.95 },
    ]);
    expect(groups.map((g) => g.members)).toEqual([
      [0, 1, 2],
      [5, 6],
    ]);
    expect(groups[0].score).toBeCloseTo(0.8);
    expect(groups[0].pairs).toHaveLength(3);
  });

  test('a long chain splits into pairs, never one component', () => {
    const chain = Array.from({ length: 9 }, (_, i) => ({ a: i, b: i + 1, score: 0.9 - i * 0.01 }));
    const groups = groupPairs(chain);
    expect(groups.every((g) => g.members.length === 2)).toBe(true);
    const seen = groups.flatMap((g) => g.members);
    expect(new Set(seen).size).toBe(seen.length); // each item in at most one group
  });

  test('minLinkFraction below 1 lets a member join when most cross pairs are verified', () => {
    // 3 is verified with 0 and 1 but not 2: 2 of 3 cross pairs.
    const pairs = [
      { a: 0, b: 1, score: 0.9 },
      { a: 0, b: 2, score: 0.9 },
      { a: 1, b: 2, score: 0.9 },
      { a: 0, b: 3, score: 0.6 },
      { a: 1, b: 3, score: 0.6 },
    ];
    expect(groupPairs(pairs).map((g) => g.members)).toEqual([[0, 1, 2]]);
    expect(groupPairs(pairs, { minLinkFraction: 0.6 }).map((g) => g.members)).toEqual([[0, 1, 2, 3]]);
  });

  test('duplicate and reversed pairs keep the best score; self pairs are ignored', () => {
    const groups = groupPairs([
      { a: 1, b: 0, score: 0.5 },
      { a: 0, b: 1, score: 0.7 },
      { a: 2, b: 2, score: 1 },
    ]);
    expect(groups).toEqual([{ members: [0, 1], pairs: [{ a: 0, b: 1, score: 0.7 }], score: 0.7 }]);
  });
});

describe('keeper rule', () => {
  const m = (path: string, width: number, height: number, size: number, mtimeMs: number) => ({
    path,
    width,
    height,
    size,
    mtimeMs,
  });

  test('highest resolution, then largest file, then oldest', () => {
    const small = m('a.jpg', 100, 100, 9000, 1);
    const bigOld = m('b.jpg', 200, 200, 5000, 10);
    const bigNew = m('c.jpg', 200, 200, 5000, 20);
    const bigLarger = m('d.jpg', 200, 200, 6000, 30);
    expect(chooseKeeper([small, bigNew, bigOld])).toBe(bigOld);
    expect(chooseKeeper([small, bigNew, bigOld, bigLarger])).toBe(bigLarger);
  });

  test('configurable order and deterministic path tie-break', () => {
    const a = m('x/long/name.jpg', 100, 100, 9000, 5);
    const b = m('b.jpg', 200, 200, 1000, 1);
    expect(chooseKeeper([a, b], ['size'])).toBe(a);
    expect(chooseKeeper([a, b], ['newest'])).toBe(a);
    expect(chooseKeeper([a, b], ['shortest-path'])).toBe(b);
    const t1 = m('z.jpg', 1, 1, 1, 1);
    const t2 = m('y.jpg', 1, 1, 1, 1);
    expect(rankMembers([t1, t2]).map((x) => x.path)).toEqual(['y.jpg', 'z.jpg']);
    expect(() => chooseKeeper([])).toThrow(/empty/);
  });
});
