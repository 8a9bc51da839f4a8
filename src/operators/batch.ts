import {
  Observable,
  asyncScheduler,
  type OperatorFunction,
  type SchedulerLike,
  type Subscription,
} from 'rxjs';

/** Options of {@link batch}. */
export interface BatchOptions {
  /** Emit as soon as this many items are collected (at least 1). */
  size: number;
  /**
   * Emit a partial batch this long after its first item arrived. The timer starts with the first item of
   * each batch (it is not free-running), so an idle stream emits nothing. Omit for size-only batching.
   */
  timeMs?: number;
  /** Scheduler for the timer (tests use the TestScheduler's virtual time). */
  scheduler?: SchedulerLike;
}

/**
 * Collects items into arrays of at most `size`, emitted when full or `timeMs` after the batch's first item.
 * Never emits an empty array. On completion the partial batch is emitted before completing, and unlike
 * `bufferTime` it is also emitted before an error is propagated, so a failing source loses nothing that
 * already arrived.
 */
export function batch<T>(options: BatchOptions): OperatorFunction<T, T[]> {
  const { size, timeMs, scheduler = asyncScheduler } = options;
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`batch: size must be an integer >= 1, got ${size}`);
  if (timeMs !== undefined && !(timeMs >= 0))
    throw new RangeError(`batch: timeMs must be >= 0, got ${timeMs}`);

  return (source) =>
    new Observable<T[]>((subscriber) => {
      let pending: T[] = [];
      let timer: Subscription | undefined;

      const flush = (): void => {
        timer?.unsubscribe();
        timer = undefined;
        if (pending.length === 0) return;
        const full = pending;
        pending = [];
        subscriber.next(full);
      };

      const upstream = source.subscribe({
        next: (item) => {
          pending.push(item);
          if (pending.length >= size) flush();
          else if (pending.length === 1 && timeMs !== undefined && Number.isFinite(timeMs)) {
            timer = scheduler.schedule(flush, timeMs);
          }
        },
        error: (err: unknown) => {
          flush();
          subscriber.error(err);
        },
        complete: () => {
          flush();
          subscriber.complete();
        },
      });

      return () => {
        upstream.unsubscribe();
        timer?.unsubscribe();
        pending = [];
      };
    });
}
