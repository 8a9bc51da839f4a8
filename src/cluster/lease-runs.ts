/**
 * `runWhileLeased`: turns a stream of lease sets (the channels this node holds) into the merged output of
 * one run per held channel, started when the channel enters the set and asked to stop (its signal aborted)
 * when it leaves.
 *
 * ```
 * leases:   a-------b-------c---|          a = {x}, b = {x, y}, c = {y}
 * run x:    x1--x2--x3--|                  (stops after its signal aborts at c)
 * run y:            y1--y2--y3--|
 * result:   x1--x2--(x3y1)-y2--y3--|       completes when the leases and every run have completed
 * ```
 */
import { Observable, type OperatorFunction, type Subscription } from 'rxjs';

/** Starts the run of `id`; it should complete soon after `signal` aborts. */
export type StartRun<T> = (id: string, signal: AbortSignal) => Observable<T>;

/**
 * One run per id while the id is in the latest set. A run that ends by itself (its source ended, it
 * failed) is not restarted while its id stays in the set. `onEnd(id)` is called when a run completes or
 * errors (the lease holder unlocks the channel after it). When the lease stream completes, the runs go
 * on until they complete; unsubscribing aborts every run.
 */
export function runWhileLeased<T>(
  start: StartRun<T>,
  onEnd?: (id: string) => void,
): OperatorFunction<ReadonlySet<string>, T> {
  return (leases$) =>
    new Observable<T>((subscriber) => {
      const runs = new Map<string, { abort: AbortController; sub?: Subscription }>();
      // Runs that ended by themselves while held: not restarted until their id leaves the set.
      const finished = new Set<string>();
      let leasesDone = false;
      const completeWhenIdle = () => {
        if (leasesDone && runs.size === 0) subscriber.complete();
      };
      const ended = (id: string) => {
        if (runs.get(id)?.abort.signal.aborted === false) finished.add(id);
        runs.delete(id);
        onEnd?.(id);
        completeWhenIdle();
      };
      const startRun = (id: string) => {
        const run: { abort: AbortController; sub?: Subscription } = { abort: new AbortController() };
        runs.set(id, run);
        run.sub = start(id, run.abort.signal).subscribe({
          next: (value) => subscriber.next(value),
          error: (err: unknown) => (runs.has(id) ? (ended(id), subscriber.error(err)) : undefined),
          complete: () => ended(id),
        });
      };
      const leasesSub = leases$.subscribe({
        next: (held) => {
          for (const [id, run] of runs) if (!held.has(id)) run.abort.abort();
          for (const id of finished) if (!held.has(id)) finished.delete(id);
          for (const id of held) if (!runs.has(id) && !finished.has(id)) startRun(id);
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => {
          leasesDone = true;
          completeWhenIdle();
        },
      });
      return () => {
        leasesSub.unsubscribe();
        for (const run of runs.values()) {
          run.abort.abort();
          run.sub?.unsubscribe();
        }
        runs.clear();
      };
    });
}
