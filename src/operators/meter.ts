/**
 * `meter` wraps an operator and measures it as one stage: items in and out, items inside (the in-flight
 * gauge) and the time of each item through it (latency histogram). Demand passes through to the inner
 * operator (./demand.ts), so `meter('detect', inPool(...))` keeps its bounded buffer bounded.
 *
 * Latency pairs outputs with inputs first-in first-out, which is exact for order-preserving 1:1 operators;
 * for 1:1 operators that reorder, the mean is still exact (the sum of output times minus input times does
 * not depend on the pairing) while single values are approximate. For operators that filter, pass
 * `latency: false`. At most {@link MAX_PENDING_STARTS} start times are kept.
 */
import { asyncScheduler, defer, finalize, tap, type OperatorFunction } from 'rxjs';
import { tapDemand } from './demand';
import { Ring } from './internal/ring';
import { StageRecorder } from './internal/stage-recorder';
import type { StageLabels } from './stage-stats';

/** Bound on remembered input times (protects memory when the inner operator filters). */
export const MAX_PENDING_STARTS = 4096;

/** Options of {@link meter}. */
export interface MeterOptions {
  labels?: StageLabels;
  /** Record per-item latency (default true; turn off for filtering operators). */
  latency?: boolean;
  /** Clock in ms (default: the async scheduler's clock). */
  now?: () => number;
}

/** Measures `operator` as the stage `stage`; see the file header. */
export function meter<T, R>(
  stage: string,
  operator: OperatorFunction<T, R>,
  options: MeterOptions = {},
): OperatorFunction<T, R> {
  const { labels, latency = true } = options;
  const now = options.now ?? (() => asyncScheduler.now());
  return (source) =>
    defer(() => {
      const recorder = new StageRecorder(stage, labels);
      const starts = new Ring<number>();
      let inside = 0;
      const input = tapDemand(source, {
        next: () => {
          recorder.itemIn();
          inside += 1;
          recorder.running(inside);
          if (!latency) return;
          if (starts.size >= MAX_PENDING_STARTS) starts.shift();
          starts.push(now());
        },
      });
      return operator(input).pipe(
        tap(() => {
          recorder.itemOut();
          inside = Math.max(0, inside - 1);
          recorder.running(inside);
          const startedAt = starts.shift();
          if (startedAt !== undefined) recorder.latency(now() - startedAt);
        }),
        finalize(() => recorder.running(0)),
      );
    });
}
