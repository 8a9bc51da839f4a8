/**
 * `pullFrom` turns a reader into a demand source: the next item is read only when a consumer has granted
 * credit, so a fast file or frame reader never runs ahead of a `wait` buffer (see ./demand.ts). Reads are
 * strictly sequential (at most one read outstanding). A plain subscription (unlimited demand, e.g. a
 * drop-policy buffer in front of a live camera) reads as fast as the reader allows, but after each
 * synchronous read it yields to the event loop through `scheduler`, so a blocking reader (OpenCV's
 * `VideoCapture.read`) cannot starve timers and pool replies.
 *
 * An iterable is iterated afresh per subscription; an iterator object (a generator) can be consumed once.
 */
import { asyncScheduler, type SchedulerLike, type Subscription } from 'rxjs';
import { DemandObservable } from './demand';

/** Reads one item; `null` or `undefined` (or a promise of them) means the end of the input. */
export type ReadFn<T> = () => T | null | undefined | PromiseLike<T | null | undefined>;

/** What {@link pullFrom} can read: an async or sync iterable, or a read function. */
export type PullInput<T> = AsyncIterable<T> | Iterable<T> | ReadFn<T>;

type Step<T> = { done: true } | { done: false; value: T };

/** Options of {@link pullFrom}. */
export interface PullFromOptions {
  /** Where to continue after a synchronous read under unlimited demand (default: asyncScheduler). */
  scheduler?: SchedulerLike;
}

/** Creates a demand source that reads from `input` one item per granted credit. */
export function pullFrom<T>(input: PullInput<T>, options: PullFromOptions = {}): DemandObservable<T> {
  const { scheduler = asyncScheduler } = options;
  return new DemandObservable<T>((subscriber, credit) => {
    const reader = openReader(input);
    let reading = false;
    let finished = false;
    let resume: Subscription | undefined;

    const accept = (step: Step<T>): void => {
      if (step.done) {
        finished = true;
        subscriber.complete();
      } else subscriber.next(step.value);
    };
    const fail = (err: unknown): void => {
      finished = true;
      subscriber.error(err);
    };

    // Loops over synchronous results; an asynchronous one re-enters `pump` when it settles.
    const pump = (): void => {
      if (reading) return;
      reading = true;
      try {
        while (!finished && !subscriber.closed && credit.take()) {
          const result = reader.next();
          if (isThenable(result)) {
            result.then(
              (step) => {
                reading = false;
                if (subscriber.closed) return;
                accept(step);
                pump();
              },
              (err: unknown) => {
                reading = false;
                if (!subscriber.closed) fail(err);
              },
            );
            return; // stay `reading` until the promise settles
          }
          accept(result);
          if (!Number.isFinite(credit.remaining) && !finished) {
            resume = scheduler.schedule(() => {
              resume = undefined;
              reading = false;
              pump();
            });
            return; // stay `reading` until the scheduled continuation runs
          }
        }
      } catch (err) {
        fail(err);
      }
      reading = false;
    };

    credit.onGrant(pump);
    pump();
    return () => {
      resume?.unsubscribe();
      if (!finished) reader.close();
    };
  });
}

interface Reader<T> {
  next(): Step<T> | PromiseLike<Step<T>>;
  close(): void;
}

function openReader<T>(input: PullInput<T>): Reader<T> {
  if (typeof input === 'function') {
    const read = input as ReadFn<T>;
    return {
      next: () => {
        const value = read();
        return isThenable(value) ? Promise.resolve(value).then(toStep) : toStep(value);
      },
      close: () => undefined,
    };
  }
  const iterator =
    Symbol.asyncIterator in input
      ? (input as AsyncIterable<T>)[Symbol.asyncIterator]()
      : (input as Iterable<T>)[Symbol.iterator]();
  return {
    next: () => {
      const result = iterator.next();
      return isThenable(result)
        ? Promise.resolve(result).then((r) => (r.done ? DONE : { done: false, value: r.value }))
        : result.done
          ? DONE
          : { done: false, value: result.value };
    },
    // Lets generators run their `finally` blocks (close files) when the consumer unsubscribes early.
    close: () => void Promise.resolve(iterator.return?.()).catch(() => undefined),
  };
}

const DONE = { done: true } as const;

function toStep<T>(value: T | null | undefined): Step<T> {
  return value === null || value === undefined ? DONE : { done: false, value };
}

function isThenable<V>(value: unknown): value is PromiseLike<V> {
  return typeof (value as PromiseLike<V> | null)?.then === 'function';
}
