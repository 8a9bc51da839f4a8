import type { Detection } from '../../../src/kernels/frame';
import { iou } from '../../../src/kernels/frame';
import { hardNms, weightedNms } from '../../../src/kernels/detectors/nms';

const det = (
  x1: number,
  y1: number,
  x2: number,
  y2: number,
  score: number,
  landmarks?: Array<[number, number]>,
): Detection => ({
  box: [x1, y1, x2, y2],
  score,
  ...(landmarks ? { landmarks } : {}),
});

describe('iou', () => {
  it('is 1 for identical boxes, 0 for disjoint or touching ones, and symmetric', () => {
    expect(iou([0, 0, 10, 10], [0, 0, 10, 10])).toBe(1);
    expect(iou([0, 0, 10, 10], [10, 0, 20, 10])).toBe(0);
    expect(iou([0, 0, 10, 10], [5, 0, 15, 10])).toBeCloseTo(50 / 150);
    expect(iou([5, 0, 15, 10], [0, 0, 10, 10])).toBeCloseTo(iou([0, 0, 10, 10], [5, 0, 15, 10]));
  });
});

describe('hardNms', () => {
  it('keeps the best of an overlapping group and every separate box, sorted by score', () => {
    const out = hardNms(
      [det(0, 0, 10, 10, 0.6), det(1, 1, 11, 11, 0.9), det(100, 100, 110, 110, 0.7), det(2, 0, 12, 10, 0.5)],
      0.3,
    );
    expect(out.map((d) => d.score)).toEqual([0.9, 0.7]);
  });

  it('keeps overlapping boxes whose IoU is at or below the threshold', () => {
    // IoU of these two is 1/3.
    const out = hardNms([det(0, 0, 10, 10, 0.9), det(5, 0, 15, 10, 0.8)], 0.4);
    expect(out).toHaveLength(2);
    expect(hardNms([det(0, 0, 10, 10, 0.9), det(5, 0, 15, 10, 0.8)], 0.3)).toHaveLength(1);
  });

  it('returns nothing for nothing and does not modify its input', () => {
    expect(hardNms([], 0.5)).toEqual([]);
    const input = [det(0, 0, 10, 10, 0.1), det(0, 0, 10, 10, 0.2)];
    hardNms(input, 0.5);
    expect(input.map((d) => d.score)).toEqual([0.1, 0.2]);
  });
});

describe('weightedNms', () => {
  it('blends a cluster into its score-weighted mean box with the best score', () => {
    const out = weightedNms([det(0, 0, 10, 10, 0.75), det(2, 2, 12, 12, 0.25)], 0.3);
    expect(out).toHaveLength(1);
    expect(out[0].score).toBe(0.75);
    out[0].box.forEach((v, i) => expect(v).toBeCloseTo([0.5, 0.5, 10.5, 10.5][i]));
  });

  it('blends landmarks the same way and leaves separate faces alone', () => {
    const out = weightedNms(
      [
        det(0, 0, 10, 10, 0.5, [[2, 2]]),
        det(0, 2, 10, 12, 0.5, [[4, 4]]),
        det(50, 50, 60, 60, 0.4, [[55, 55]]),
      ],
      0.3,
    );
    expect(out).toHaveLength(2);
    expect(out[0].landmarks?.[0][0]).toBeCloseTo(3);
    expect(out[0].landmarks?.[0][1]).toBeCloseTo(3);
    expect(out[1]).toEqual(det(50, 50, 60, 60, 0.4, [[55, 55]]));
  });

  it('produces no two outputs overlapping above the threshold', () => {
    const input: Detection[] = [];
    for (let i = 0; i < 30; i++)
      input.push(det(i * 3, (i % 5) * 4, i * 3 + 20, (i % 5) * 4 + 20, ((i * 37) % 100) / 100));
    const out = weightedNms(input, 0.4);
    for (let a = 0; a < out.length; a++) {
      for (let b = a + 1; b < out.length; b++)
        expect(iou(out[a].box, out[b].box)).toBeLessThanOrEqual(0.4 + 1e-9);
    }
    expect(out.length).toBeLessThan(input.length);
  });
});
