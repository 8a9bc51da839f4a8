/**
 * `boundedBuffer` sits between a fast producer and a slower consumer and never holds more than `capacity`
 * items.
 *
 * Design (see ./demand.ts for the credit protocol):
 * - Downstream, the buffer is a demand source: it emits only while its consumer holds credit. `inPool`
 *   grants one credit per free task slot, so items wait here, not in an unbounded mergeMap queue. A plain
 *   subscriber grants unlimited credit and items pass straight through.
 * - Upstream, policy `wait` keeps `queued + requested <= capacity`: it asks a demand source (`pullFrom`)
 *   for `capacity` items, then for one more each time an item leaves. A push source cannot wait, so
 *   overflowing a `wait` buffer is an error ({@link BufferOverflowError}), never silent growth.
 * - The drop policies take everything the source pushes and drop when full: `drop-oldest` (keep the latest
 *   frames), `drop-newest` (keep the earliest), `max-age` (drop items older than `maxAgeMs`, by timer and
 *   before delivery, and the oldest when full). Every drop is counted (`rxvision_dropped_total`) and
 *   reported to `onDrop`.
 * - On completion the remaining items are still delivered on demand; a source error is forwarded at once.
 */
import {
  asyncScheduler,
  type Observable,
  type Observer,
  type SchedulerLike,
  type Subscription,
  type Unsubscribable,
} from 'rxjs';
import { DemandObservable, isDemandSource } from './demand';
import { BufferOverflowError } from './errors';
import { Ring } from './internal/ring';
import { StageRecorder } from './internal/stage-recorder';
import type { DropReason, StageLabels } from './stage-stats';

/** What a full buffer does with the next item. */
export type BufferPolicy = 'wait' | 'drop-oldest' | 'drop-newest' | 'max-age';

/** Options of {@link boundedBuffer}. */
export interface BoundedBufferOptions<T> {
  /** Most items held at once (>= 1). */
  capacity: number;
  policy: BufferPolicy;
  /** Policy `max-age`: items this old (ms) are dropped instead of delivered. */
  maxAgeMs?: number;
  /** Called for every dropped item. */
  onDrop?: (item: T, reason: DropReason) => void;
  /** Clock in ms; defaults to the scheduler's clock. */
  now?: () => number;
  /** Scheduler of the `max-age` expiry timer (tests pass the TestScheduler's virtual time implicitly). */
  scheduler?: SchedulerLike;
  /** Stage name for metrics and `stageStats` (default 'boundedBuffer'). */
  stage?: string;
  labels?: StageLabels;
}

interface Entry<T> {
  item: T;
  at: number;
}

/** Bounds the items between a producer and a demand-driven consumer; see the file header for the design. */
export function boundedBuffer<T>(
  options: BoundedBufferOptions<T>,
): (source: Observable<T>) => DemandObservable<T> {
  const {
    capacity,
    policy,
    maxAgeMs,
    onDrop,
    scheduler = asyncScheduler,
    stage = 'boundedBuffer',
    labels,
  } = options;
  const now = options.now ?? (() => scheduler.now());
  validate(stage, capacity, policy, maxAgeMs);

  return (source) =>
    new DemandObservable<T>((subscriber, credit) => {
      const recorder = new StageRecorder(stage, labels);
      const queue = new Ring<Entry<T>>(Math.min(capacity, 64));
      let sourceDone = false;
      let draining = false;
      let expiryTimer: Subscription | undefined;
      let requestUpstream: (n: number) => void = () => undefined;

      const drop = (item: T, reason: DropReason): void => {
        recorder.drop(reason);
        onDrop?.(item, reason);
      };

      const dropExpired = (): void => {
        if (policy !== 'max-age') return;
        const t = now();
        for (let head = queue.peek(); head && t - head.at >= (maxAgeMs as number); head = queue.peek()) {
          queue.shift();
          drop(head.item, 'expired');
        }
      };

      const scheduleExpiry = (): void => {
        expiryTimer?.unsubscribe();
        expiryTimer = undefined;
        const head = queue.peek();
        if (policy !== 'max-age' || !head || subscriber.closed) return;
        const delay = Math.max(0, head.at + (maxAgeMs as number) - now());
        expiryTimer = scheduler.schedule(() => {
          expiryTimer = undefined;
          drain();
        }, delay);
      };

      // Delivers while there is credit; re-entrant calls (a consumer requesting from inside `next`) only
      // add credit, which the running loop picks up.
      const drain = (): void => {
        if (draining || subscriber.closed) return;
        draining = true;
        try {
          dropExpired();
          while (queue.size > 0 && credit.take()) {
            const { item } = queue.shift() as Entry<T>;
            recorder.queue(queue.size);
            recorder.itemOut();
            subscriber.next(item);
            if (policy === 'wait') requestUpstream(1);
          }
          recorder.queue(queue.size);
          if (sourceDone && queue.size === 0) subscriber.complete();
          else scheduleExpiry();
        } catch (err) {
          subscriber.error(err);
        } finally {
          draining = false;
        }
      };

      const accept = (item: T): void => {
        recorder.itemIn();
        dropExpired();
        if (queue.size >= capacity) {
          if (policy === 'wait') throw new BufferOverflowError(stage, capacity);
          if (policy === 'drop-newest') return drop(item, 'newest');
          const oldest = queue.shift() as Entry<T>;
          drop(oldest.item, 'oldest');
        }
        queue.push({ item, at: now() });
        drain();
      };

      const observer: Partial<Observer<T>> = {
        next: (item) => {
          try {
            accept(item);
          } catch (err) {
            subscriber.error(err);
          }
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => {
          sourceDone = true;
          drain();
        },
      };

      credit.onGrant(drain);
      let upstream: Unsubscribable;
      if (policy === 'wait' && isDemandSource(source)) {
        const demandUpstream = source.subscribeWithDemand(observer);
        requestUpstream = (n) => demandUpstream.request(n);
        upstream = demandUpstream;
        requestUpstream(capacity);
      } else {
        upstream = source.subscribe(observer);
      }
      drain();

      return () => {
        upstream.unsubscribe();
        expiryTimer?.unsubscribe();
        queue.clear();
        recorder.queue(0);
      };
    });
}

function validate(stage: string, capacity: number, policy: BufferPolicy, maxAgeMs: number | undefined): void {
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new RangeError(`${stage}: boundedBuffer capacity must be an integer >= 1, got ${capacity}`);
  }
  if (!['wait', 'drop-oldest', 'drop-newest', 'max-age'].includes(policy)) {
    throw new RangeError(`${stage}: unknown boundedBuffer policy '${policy}'`);
  }
  if (policy === 'max-age' && !(typeof maxAgeMs === 'number' && maxAgeMs > 0)) {
    throw new RangeError(`${stage}: boundedBuffer policy 'max-age' needs maxAgeMs > 0, got ${maxAgeMs}`);
  }
}
