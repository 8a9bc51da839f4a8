/**
 * One {@link Coalescer} per model: single-crop requests for the same model made in the same event-loop turn
 * go to the pool as one batched call (faces of several channels share it).
 */
import { createCoalescer, type Coalescer } from './coalesce';

/** Runs one batch of crops through a model. */
export type BatchRun<M, R> = (model: M, crops: Uint8Array[]) => Promise<R[]>;

/** The coalescer of a model (created on first use; models compare by their JSON). */
export type CoalescerOf<M, R> = (model: M) => Coalescer<Uint8Array, R>;

/** See the file header; `run` is read when a batch goes out, so it may be created lazily. */
export function coalescerPerModel<M, R>(maxBatch: number, run: () => BatchRun<M, R>): CoalescerOf<M, R> {
  const coalescers = new Map<string, Coalescer<Uint8Array, R>>();
  return (model) => {
    const key = JSON.stringify(model);
    let coalescer = coalescers.get(key);
    if (!coalescer) {
      coalescer = createCoalescer<Uint8Array, R>({ maxBatch, run: (crops) => run()(model, crops) });
      coalescers.set(key, coalescer);
    }
    return coalescer;
  };
}
