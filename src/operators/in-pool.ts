/**
 * `inPool` maps each item through an asynchronous task (a worker-pool call in production) with at most
 * `concurrency` items in the stage at once.
 *
 * Demand: the stage grants its source one credit per free slot (./demand.ts). Fed by a `boundedBuffer`,
 * `priorityQueue` or `pullFrom`, nothing runs ahead: items wait upstream where their number is bounded. Fed
 * by a push source it queues like `mergeMap` (unbounded), so put a bounded stage in front of it.
 *
 * Ordered mode (default) emits results in input order. A slot stays taken until its result is emitted, so
 * completed results waiting for a slower predecessor also count against `concurrency`: the stage never
 * holds more than `concurrency` items, at the price of head-of-line blocking.
 *
 * Errors follow `onError`: 'fail' (default) errors the pipeline with a {@link StageItemError} naming the
 * item; 'skip' drops the item, counts it and calls `onSkip`; `{ retry: n, then }` re-runs the task up to n
 * more times before applying `then` (default 'fail').
 */
import {
  Observable,
  asyncScheduler,
  defer,
  from,
  retry,
  type ObservableInput,
  type OperatorFunction,
  type Subscription,
} from 'rxjs';
import { logger } from '../util/logger';
import { asDemandSource, type DemandSubscription } from './demand';
import { StageItemError } from './errors';
import { Ring } from './internal/ring';
import { StageRecorder } from './internal/stage-recorder';
import type { StageLabels } from './stage-stats';

/** What a stage does when a task fails. */
export type ErrorPolicy = 'skip' | 'fail' | { retry: number; then?: 'skip' | 'fail' };

/** Options of {@link inPool}. */
export interface InPoolOptions<T> {
  /** Most items in the stage at once (>= 1). */
  concurrency: number;
  /** Emit in input order (default true). */
  ordered?: boolean;
  /** Error policy (default 'fail'). */
  onError?: ErrorPolicy;
  /** Identity of an item for errors and logs (default: the task error's `identity`, else `#<index>`). */
  identify?: (item: T) => string;
  /** Called for every skipped item. */
  onSkip?: (err: StageItemError, item: T) => void;
  /** Stage name for metrics, `stageStats` and errors (default 'inPool'). */
  stage?: string;
  labels?: StageLabels;
  /** Clock in ms for the latency histogram (default: the async scheduler's clock). */
  now?: () => number;
}

interface Slot<R> {
  /** Results held back until all predecessors are emitted (ordered mode). */
  held: R[];
  done: boolean;
}

/** Runs `task` for each item with bounded concurrency and a per-stage error policy; see the file header. */
export function inPool<T, R>(
  task: (item: T) => ObservableInput<R>,
  options: InPoolOptions<T>,
): OperatorFunction<T, R> {
  const { concurrency, ordered = true, identify, onSkip, stage = 'inPool', labels } = options;
  const now = options.now ?? (() => asyncScheduler.now());
  const { retries, finally: finalPolicy } = normalizePolicy(stage, options.onError ?? 'fail');
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`${stage}: inPool concurrency must be an integer >= 1, got ${concurrency}`);
  }

  return (source) =>
    new Observable<R>((subscriber) => {
      const recorder = new StageRecorder(stage, labels);
      const running = new Set<Subscription>();
      const slots = new Ring<Slot<R>>(); // ordered mode: occupied slots in input order
      let occupied = 0;
      let index = 0;
      let sourceDone = false;

      const emit = (value: R): void => {
        recorder.itemOut();
        subscriber.next(value);
      };

      const maybeComplete = (): void => {
        if (sourceDone && occupied === 0) subscriber.complete();
      };

      const freeSlot = (): void => {
        occupied -= 1;
        recorder.running(occupied);
        upstream.request(1); // declared below; no slot frees before the first request
      };

      // Ordered mode: emits finished slots from the head, then promotes the next running slot.
      const flushHead = (): void => {
        for (let head = slots.peek(); head?.done; head = slots.peek()) {
          slots.shift();
          head.held.forEach(emit);
          freeSlot();
        }
        const head = slots.peek();
        if (head && head.held.length > 0) head.held.splice(0).forEach(emit);
        maybeComplete();
      };

      const finish = (slot: Slot<R>): void => {
        slot.done = true;
        if (ordered) flushHead();
        else {
          freeSlot();
          maybeComplete();
        }
      };

      const fail = (item: T, itemIndex: number, attempts: number, err: unknown): StageItemError => {
        const identity = identify?.(item) ?? identityOf(err) ?? `#${itemIndex}`;
        return new StageItemError(stage, identity, attempts, err);
      };

      const start = (item: T): void => {
        recorder.itemIn();
        const itemIndex = index++;
        const slot: Slot<R> = { held: [], done: false };
        occupied += 1;
        recorder.running(occupied);
        if (ordered) slots.push(slot);
        const startedAt = now();
        let attempts = 0;
        const run = defer(() => {
          attempts += 1;
          if (attempts > 1) recorder.error('retried');
          return from(task(item));
        });
        let subscription: Subscription | undefined = undefined;
        const forget = (): void => void (subscription && running.delete(subscription));
        subscription = (retries > 0 ? run.pipe(retry(retries)) : run).subscribe({
          next: (value) => {
            if (!ordered || slots.peek() === slot) emit(value);
            else slot.held.push(value);
          },
          error: (err: unknown) => {
            forget();
            const error = fail(item, itemIndex, attempts, err);
            if (finalPolicy === 'fail') {
              recorder.error('failed');
              subscriber.error(error);
              return;
            }
            recorder.error('skipped');
            logger().debug({ stage, identity: error.identity, err: error.message }, 'item skipped');
            try {
              onSkip?.(error, item);
            } catch (callbackError) {
              subscriber.error(callbackError);
              return;
            }
            finish(slot);
          },
          complete: () => {
            forget();
            recorder.latency(now() - startedAt);
            finish(slot);
          },
        });
        if (!subscription.closed) running.add(subscription);
      };

      const upstream: DemandSubscription = asDemandSource(source).subscribeWithDemand({
        next: start,
        error: (err: unknown) => subscriber.error(err),
        complete: () => {
          sourceDone = true;
          maybeComplete();
        },
      });
      upstream.request(concurrency);

      return () => {
        upstream.unsubscribe();
        for (const s of running) s.unsubscribe();
        running.clear();
        slots.clear();
        recorder.running(0);
      };
    });
}

function normalizePolicy(stage: string, policy: ErrorPolicy): { retries: number; finally: 'skip' | 'fail' } {
  if (policy === 'skip' || policy === 'fail') return { retries: 0, finally: policy };
  if (!Number.isInteger(policy.retry) || policy.retry < 0) {
    throw new RangeError(`${stage}: onError.retry must be an integer >= 0, got ${policy.retry}`);
  }
  return { retries: policy.retry, finally: policy.then ?? 'fail' };
}

function identityOf(err: unknown): string | undefined {
  const identity = (err as { identity?: unknown } | null)?.identity;
  return typeof identity === 'string' && identity !== '' ? identity : undefined;
}
