import fc from 'fast-check';
import { LatencyWindow, quantile } from '../../src/pools/latency';

describe('LatencyWindow', () => {
  it('is all zeros when empty', () => {
    expect(new LatencyWindow().summary()).toEqual({ p50: 0, p99: 0, mean: 0 });
  });

  it('summarises 1..100 ms', () => {
    const w = new LatencyWindow();
    for (let ms = 100; ms >= 1; ms--) w.record(ms);
    expect(w.summary()).toEqual({ p50: 50, p99: 99, mean: 50.5 });
  });

  it('keeps only the last `capacity` samples', () => {
    const w = new LatencyWindow(4);
    for (const ms of [1000, 1000, 1, 2, 3, 4]) w.record(ms);
    expect(w.summary()).toEqual({ p50: 2, p99: 4, mean: 2.5 });
  });

  it('orders p50 <= p99 within [min, max] for any samples', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 300 }),
        (xs) => {
          const w = new LatencyWindow(128);
          xs.forEach((x) => w.record(x));
          const kept = xs.slice(-128);
          const s = w.summary();
          expect(s.p50).toBeLessThanOrEqual(s.p99);
          expect(s.p50).toBeGreaterThanOrEqual(Math.min(...kept));
          expect(s.p99).toBeLessThanOrEqual(Math.max(...kept));
          expect(s.mean).toBeCloseTo(kept.reduce((a, b) => a + b, 0) / kept.length, 3);
        },
      ),
    );
  });

  it('quantile is nearest-rank', () => {
    expect(quantile([10, 20, 30, 40], 0.5)).toBe(20);
    expect(quantile([10, 20, 30, 40], 0.99)).toBe(40);
    expect(quantile([], 0.5)).toBe(0);
  });
});
