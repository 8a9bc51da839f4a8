/** Latency summary in milliseconds. */
export interface LatencySummary {
  p50: number;
  p99: number;
  mean: number;
}

/** Keeps the last `capacity` task latencies (ms) in a ring buffer and summarises them on demand. */
export class LatencyWindow {
  private readonly samples: Float64Array;
  private count = 0;
  private next = 0;

  constructor(capacity = 1024) {
    this.samples = new Float64Array(capacity);
  }

  record(ms: number): void {
    this.samples[this.next] = ms;
    this.next = (this.next + 1) % this.samples.length;
    this.count = Math.min(this.count + 1, this.samples.length);
  }

  summary(): LatencySummary {
    if (this.count === 0) return { p50: 0, p99: 0, mean: 0 };
    const sorted = this.samples.slice(0, this.count).sort();
    const sum = sorted.reduce((a, b) => a + b, 0);
    return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), mean: sum / sorted.length };
  }
}

/** Nearest-rank quantile of sorted samples. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}
