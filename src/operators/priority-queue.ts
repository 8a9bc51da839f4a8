/**
 * `priorityQueue` is a bounded queue in front of a consumer stage that delivers the highest priority first
 * (ties: first come, first served). When full, the lowest priority item (possibly the incoming one; among
 * equals the newest) is dropped and counted. Like `boundedBuffer` it is a demand source: `inPool` takes the
 * next item when it has a free slot (see ./demand.ts); a plain subscriber receives items as they arrive.
 * A min-max heap gives O(log n) for both ends.
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
  /** Called for every dropped item (reason 'priority'). */
  onDrop?: (item: T, reason: DropReason) => void;
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
  const { capacity, priority, onDrop, stage = 'priorityQueue', labels } = options;
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

      const drain = (): void => {
        if (draining || subscriber.closed) return;
        draining = true;
        try {
          while (heap.size > 0 && credit.take()) {
            const { item } = heap.popMax() as Entry<T>;
            recorder.queue(heap.size);
            recorder.itemOut();
            subscriber.next(item);
          }
          recorder.queue(heap.size);
          if (sourceDone && heap.size === 0) subscriber.complete();
        } finally {
          draining = false;
        }
      };

      const accept = (item: T): void => {
        recorder.itemIn();
        const p = priority(item);
        if (Number.isNaN(p)) throw new TypeError(`${stage}: priority() returned NaN`);
        const entry: Entry<T> = { item, priority: p, seq: seq++ };
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
