/** A task failed for one item; carries the item's identity (e.g. "cam1#frame42" or a file path). */
export class StageItemError extends Error {
  override readonly name = 'StageItemError';

  constructor(
    /** Stage that ran the task. */
    readonly stage: string,
    /** Identity of the failed item. */
    readonly identity: string,
    /** Attempts made (1 + retries). */
    readonly attempts: number,
    /** The task's own error. */
    override readonly cause: unknown,
  ) {
    super(
      `${stage}: item ${identity} failed after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${describe(cause)}`,
    );
  }
}

/** A `wait` buffer received more items than it asked for (a push source cannot be paused). */
export class BufferOverflowError extends Error {
  override readonly name = 'BufferOverflowError';

  constructor(
    readonly stage: string,
    readonly capacity: number,
  ) {
    super(
      `${stage}: boundedBuffer with policy 'wait' is full (capacity ${capacity}) and its source does not ` +
        `wait; feed it from pullFrom(...) or choose a drop policy`,
    );
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
