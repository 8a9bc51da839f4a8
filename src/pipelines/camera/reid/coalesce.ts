/**
 * Coalesces single-item requests made in the same turn of the event loop into one batched call (e.g. one
 * pool task embedding faces of several channels). A batch goes out when it reaches `maxBatch` items or at
 * the next `setImmediate`, whichever comes first.
 */

/** Options of {@link createCoalescer}. */
export interface CoalescerOptions<T, R> {
  maxBatch: number;
  /** Runs one batch; must return one result per item, in order. */
  run: (items: T[]) => Promise<R[]>;
}

/** Submits one item; resolves with its result or rejects with the batch's error. */
export type Coalescer<T, R> = (item: T) => Promise<R>;

/** See the file header. */
export function createCoalescer<T, R>(options: CoalescerOptions<T, R>): Coalescer<T, R> {
  let pending: Array<{ item: T; resolve: (r: R) => void; reject: (e: unknown) => void }> = [];
  let scheduled = false;

  const flush = (): void => {
    scheduled = false;
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    options.run(batch.map((p) => p.item)).then(
      (results) => {
        if (results.length !== batch.length) {
          const err = new Error(`batched call returned ${results.length} results for ${batch.length} items`);
          for (const p of batch) p.reject(err);
          return;
        }
        batch.forEach((p, i) => p.resolve(results[i]));
      },
      (err: unknown) => {
        for (const p of batch) p.reject(err);
      },
    );
  };

  return (item) =>
    new Promise<R>((resolve, reject) => {
      pending.push({ item, resolve, reject });
      if (pending.length >= options.maxBatch) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });
}
