import { readFileSync } from 'node:fs';

/** The q-quantile (0..1) of the values, linear interpolation; NaN when empty. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** Resident set size now, in MB. */
export function rssMb(): number {
  return process.memoryUsage().rss / 1e6;
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/**
 * CPU seconds used so far by this process (all threads) and by its reaped children (FFmpeg decoders),
 * from /proc/self/stat (utime, stime, cutime, cstime). Children count once they have exited.
 */
export function cpuSeconds(): { self: number; children: number } {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): utime is field 14 -> index 11.
    const [utime, stime, cutime, cstime] = fields.slice(11, 15).map(Number);
    return { self: (utime + stime) / TICKS_PER_SECOND, children: (cutime + cstime) / TICKS_PER_SECOND };
  } catch {
    const u = process.cpuUsage();
    return { self: (u.user + u.system) / 1e6, children: 0 };
  }
}

/** Samples a value at an interval; `stop()` returns the samples with their times (ms from start). */
export function sampler<T>(intervalMs: number, read: () => T): { stop(): Array<{ t: number; v: T }> } {
  const start = performance.now();
  const samples: Array<{ t: number; v: T }> = [{ t: 0, v: read() }];
  const timer = setInterval(() => samples.push({ t: performance.now() - start, v: read() }), intervalMs);
  return {
    stop() {
      clearInterval(timer);
      samples.push({ t: performance.now() - start, v: read() });
      return samples;
    },
  };
}

/** Rounds for display: 3 significant digits for small numbers, integers for large ones. */
export function fmt(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  return Number(value.toPrecision(digits)).toString();
}

/** A ratio as "1.23x". */
export function ratio(value: number, base: number): string {
  return base > 0 && Number.isFinite(value) ? `${(value / base).toFixed(2)}x` : 'n/a';
}

/** Signed percentage difference of value against base, as "-4.2 %". */
export function percent(value: number, base: number): string {
  if (!(base > 0)) return 'n/a';
  const p = ((value - base) / base) * 100;
  return `${p > 0 ? '+' : ''}${p.toFixed(1)} %`;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
