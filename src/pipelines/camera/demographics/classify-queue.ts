/**
 * The gender/age stage in front of the classify pool, as one operator: requests of every channel in,
 * one outcome per request out. Requests wait in a bounded priority queue (new tracks and tracks with the
 * fewest samples first); overflow drops the lowest priority, and a request whose track ended while it
 * waited is stale: it leaves unclassified and never takes a live track's place. Whatever happens to a
 * request comes out of the stream as its outcome; the subscriber applies it to the track.
 */
import { defer, finalize, merge, Subject, type OperatorFunction } from 'rxjs';
import type { ClassifierConfig } from '../../../config/schema/face-models';
import type { AgeGender } from '../../../kernels/faces/model-config';
import { inPool } from '../../../operators/in-pool';
import { priorityQueue } from '../../../operators/priority-queue';
import { CLASSIFY_STAGE, DEMOGRAPHICS_QUEUE_STAGE } from '../stages';

/** One face crop to classify, for a track. */
export interface ClassifyRequest<Owner = unknown> {
  model: ClassifierConfig;
  crop: Uint8Array;
  /** Higher goes first and is dropped last. */
  priority: number;
  /** Set when the track ended: the request is then stale. */
  cancelled: boolean;
  /** Whom the outcome is for (the track's state). */
  owner: Owner;
}

/** What became of a request. */
export type ClassifyOutcome<Owner = unknown> =
  | { request: ClassifyRequest<Owner>; status: 'classified'; result: AgeGender }
  | { request: ClassifyRequest<Owner>; status: 'failed'; error: Error }
  /** Dropped for its low priority when the queue was full. */
  | { request: ClassifyRequest<Owner>; status: 'dropped' }
  /** Its track ended before it was classified (removed from the queue, or cancelled once taken). */
  | { request: ClassifyRequest<Owner>; status: 'cancelled' | 'skipped' };

/** Options of {@link classifyInQueue}. */
export interface ClassifyQueueOptions {
  /** Most requests waiting at once. */
  capacity: number;
  /** Classifies one crop (batched with others of the same turn by the caller's coalescer). */
  classify: (model: ClassifierConfig, crop: Uint8Array) => Promise<AgeGender>;
  /** Requests classified at once: enough slots that a batch per classify worker can be coalesced. */
  concurrency: number;
}

/** See the file header. 'cancelled' is a stale request removed from the queue; 'skipped' one taken late. */
export function classifyInQueue<Owner>(
  options: ClassifyQueueOptions,
): OperatorFunction<ClassifyRequest<Owner>, ClassifyOutcome<Owner>> {
  return (requests$) =>
    defer(() => {
      // Drops and stale requests leave the queue by its callbacks; they join the classified ones here.
      const unclassified$ = new Subject<ClassifyOutcome<Owner>>();
      const classified$ = requests$.pipe(
        priorityQueue<ClassifyRequest<Owner>>({
          capacity: options.capacity,
          priority: (r) => r.priority,
          stage: DEMOGRAPHICS_QUEUE_STAGE,
          // Priorities fall as tracks age (more hits), so an ended track's request would otherwise outrank
          // and push out the re-requests of live tracks.
          isStale: (r) => r.cancelled,
          onStale: (request) => unclassified$.next({ request, status: 'cancelled' }),
          onDrop: (request) => unclassified$.next({ request, status: 'dropped' }),
        }),
        inPool(
          async (request: ClassifyRequest<Owner>): Promise<ClassifyOutcome<Owner>> => {
            if (request.cancelled) return { request, status: 'skipped' };
            try {
              return {
                request,
                status: 'classified',
                result: await options.classify(request.model, request.crop),
              };
            } catch (err) {
              return { request, status: 'failed', error: err as Error };
            }
          },
          { concurrency: options.concurrency, ordered: false, onError: 'skip', stage: CLASSIFY_STAGE },
        ),
        finalize(() => unclassified$.complete()),
      );
      return merge(unclassified$, classified$);
    });
}
