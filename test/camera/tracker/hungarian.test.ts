import fc from 'fast-check';
import { hungarian } from '../../../src/pipelines/camera/tracker/hungarian';

function totalCost(cost: number[][], assignment: number[]): number {
  return assignment.reduce((s, c, r) => (c >= 0 ? s + cost[r][c] : s), 0);
}

/** Exhaustive minimum over all assignments of min(rows, cols) pairs (small matrices only). */
function bruteForce(cost: number[][]): number {
  const rows = cost.length;
  const cols = cost[0].length;
  let best = Number.POSITIVE_INFINITY;
  const used = new Array<boolean>(cols).fill(false);
  const go = (r: number, acc: number, assigned: number) => {
    if (r === rows) {
      if (assigned === Math.min(rows, cols)) best = Math.min(best, acc);
      return;
    }
    if (rows - r > cols - assigned) go(r + 1, acc, assigned); // this row may stay unassigned
    for (let c = 0; c < cols; c++) {
      if (used[c]) continue;
      used[c] = true;
      go(r + 1, acc + cost[r][c], assigned + 1);
      used[c] = false;
    }
  };
  go(0, 0, 0);
  return best;
}

describe('hungarian', () => {
  it('solves a known 3x3 case', () => {
    const cost = [
      [4, 1, 3],
      [2, 0, 5],
      [3, 2, 2],
    ];
    const a = hungarian(cost);
    expect(totalCost(cost, a)).toBe(5);
    expect(new Set(a).size).toBe(3);
  });

  it('handles empty and rectangular matrices', () => {
    expect(hungarian([])).toEqual([]);
    expect(hungarian([[], []])).toEqual([-1, -1]);
    const tall = hungarian([[5], [1], [3]]);
    expect(tall).toEqual([-1, 0, -1]);
  });

  it('matches brute force on random matrices up to 5x5', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 25, maxLength: 25 }),
        (rows, cols, values) => {
          const cost = Array.from({ length: rows }, (_, r) => values.slice(r * cols, r * cols + cols));
          const a = hungarian(cost);
          const usedCols = a.filter((c) => c >= 0);
          expect(new Set(usedCols).size).toBe(usedCols.length);
          expect(usedCols.length).toBe(Math.min(rows, cols));
          expect(totalCost(cost, a)).toBe(bruteForce(cost));
        },
      ),
      { numRuns: 300 },
    );
  });
});
