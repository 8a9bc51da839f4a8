/**
 * `priorityQueue` is a bounded queue in front of a consumer stage that delivers the highest priority first
 * (ties: first come, first served). When full, the lowest priority item (possibly the incoming one; among
 * equals the newest) is dropped and counted. Like `boundedBuffer` it is a demand source: `inPool` takes the
 * next item when it has a free slot (see ./demand.ts); a plain subscriber receives items as they arrive.
 * A min-max heap gives O(log n) for both ends.
 *
 * Items may turn stale while they wait (`isStale`, e.g. a request whose track has ended). A priority fixed
 * at arrival cannot express that, so without it a stale item would keep its place, outrank live items and
 * push them out when the queue is full. Stale items are therefore never delivered and are the first to go
 * on overflow; they are counted apart from priority drops.
 */
import type { Observable } from 'rxjs';
import { DemandObservable } from './demand';
import { MinMaxHeap } from './internal/heap';
import { StageRecorder } from './internal/stage-recorder';
import type { DropReason, StageLabels } from './stage-stats';

/** Options of {@link priorityQueue}. */
export interface PriorityQueueOptions<T> {
  /** Most items held at once (>= 1). */
  capacity: number;
  /** Priority of an item: higher is delivered first and dropped last. */
  priority: (item: T) => number;
  /** Called for every item dropped for its low priority (reason 'priority'; never for stale items). */
  onDrop?: (item: T, reason: DropReason) => void;
  /**
   * Whether an item is no longer wanted (say, its request was cancelled). Checked on arrival, before an
   * item would be delivered, and for every held item when the queue is full (so keep it cheap): stale items
   * are discarded rather than delivered, and all of them go before a live item is dropped for priority.
   * An item may turn stale while it waits. Default: nothing is stale.
   */
  isStale?: (item: T) => boolean;
  /**
   * Called for every item discarded as stale (in arrival order when several go at once). Stale items are
   * counted in the stage stats as dropped with reason 'stale', never 'priority', and not passed to `onDrop`.
   */
  onStale?: (item: T) => void;
  /** Stage name for metrics and `stageStats` (default 'priorityQueue'). */
  stage?: string;
  labels?: StageLabels;
}

interface Entry<T> {
  item: T;
  priority: number;
  seq: number;
}

/** Orders entries so the heap's max is delivered next and its min is dropped first. */
function deliveredLater<T>(a: Entry<T>, b: Entry<T>): boolean {
  return a.priority < b.priority || (a.priority === b.priority && a.seq > b.seq);
}

/** A bounded priority queue stage; see the file header. */
export function priorityQueue<T>(
  options: PriorityQueueOptions<T>,
): (source: Observable<T>) => DemandObservable<T> {
  const { capacity, priority, onDrop, isStale, onStale, stage = 'priorityQueue', labels } = options;
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new RangeError(`${stage}: priorityQueue capacity must be an integer >= 1, got ${capacity}`);
  }

  return (source) =>
    new DemandObservable<T>((subscriber, credit) => {
      const recorder = new StageRecorder(stage, labels);
      const heap = new MinMaxHeap<Entry<T>>(deliveredLater);
      let seq = 0;
      let sourceDone = false;
      let draining = false;

      const drop = (item: T): void => {
        recorder.drop('priority');
        onDrop?.(item, 'priority');
      };

      const discard = (item: T): void => {
        recorder.drop('stale');
        onStale?.(item);
      };

      /** Discards every stale item held, in arrival order. */
      const discardStale = (test: (item: T) => boolean): void => {
        const stale = heap.removeWhere((e) => test(e.item)).sort((a, b) => a.seq - b.seq);
        for (const { item } of stale) discard(item);
      };

      const drain = (): void => {
        if (draining || subscriber.closed) return;
        draining = true;
        try {
          while (heap.size > 0) {
            const next = heap.peekMax() as Entry<T>;
            // A stale head goes even without credit: it frees its place and never costs the consumer a slot.
            if (isStale?.(next.item)) {
              heap.popMax();
              discard(next.item);
              continue;
            }
            if (!credit.take()) break;
            heap.popMax();
            recorder.queue(heap.size);
            recorder.itemOut();
            subscriber.next(next.item);
          }
          recorder.queue(heap.size);
          if (sourceDone && heap.size === 0) subscriber.complete();
        } catch (err) {
          subscriber.error(err);
        } finally {
          draining = false;
        }
      };

      const accept = (item: T): void => {
        recorder.itemIn();
        if (isStale?.(item)) return discard(item);
        const p = priority(item);
        if (Number.isNaN(p)) throw new TypeError(`${stage}: priority() returned NaN`);
        const entry: Entry<T> = { item, priority: p, seq: seq++ };
        if (heap.size >= capacity && isStale) discardStale(isStale);
        if (heap.size >= capacity) {
          const lowest = heap.peekMin() as Entry<T>;
          if (!deliveredLater(lowest, entry)) return drop(item);
          heap.popMin();
          drop(lowest.item);
        }
        heap.push(entry);
        drain();
      };

      credit.onGrant(drain);
      const upstream = source.subscribe({
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
      });

      return () => {
        upstream.unsubscribe();
        heap.clear();
        recorder.queue(0);
      };
    });
}
