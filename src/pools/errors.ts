/** Why a pool task did not produce a result. */
export type TaskErrorKind = 'failed' | 'timeout' | 'worker-died';

export interface TaskErrorDetails {
  kind: TaskErrorKind;
  pool: string;
  method: string;
  /** What the task was about, e.g. "cam1#frame42" or a file path; empty when the caller gave none. */
  identity?: string;
  /** The underlying error message (the worker's error, the timeout, the exit code). */
  cause: string;
  /** The worker's stack trace, when the worker threw. */
  workerStack?: string;
}

/**
 * A pool task that failed: the worker threw ('failed'), it ran past its timeout ('timeout'), or its worker
 * died twice while running it ('worker-died'). The message names pool, method and identity.
 */
export class TaskError extends Error {
  readonly kind: TaskErrorKind;
  readonly pool: string;
  readonly method: string;
  readonly identity: string | undefined;
  override readonly cause: string;
  readonly workerStack: string | undefined;

  constructor(details: TaskErrorDetails) {
    const what = details.identity ? ` for ${details.identity}` : '';
    super(`pool ${details.pool}: ${details.method}${what} ${describeKind(details.kind)}: ${details.cause}`);
    this.name = 'TaskError';
    this.kind = details.kind;
    this.pool = details.pool;
    this.method = details.method;
    this.identity = details.identity;
    this.cause = details.cause;
    this.workerStack = details.workerStack;
  }
}

function describeKind(kind: TaskErrorKind): string {
  switch (kind) {
    case 'failed':
      return 'failed';
    case 'timeout':
      return 'timed out';
    case 'worker-died':
      return 'lost its worker';
  }
}

/** `run()` on a pool that was terminated (or whose workers cannot start). */
export class PoolClosedError extends Error {
  constructor(
    readonly pool: string,
    reason: string,
  ) {
    super(`pool ${pool} is closed: ${reason}`);
    this.name = 'PoolClosedError';
  }
}

/** `run()` when the pool's queue already holds `maxQueued` tasks: the caller should apply backpressure. */
export class PoolQueueFullError extends Error {
  constructor(
    readonly pool: string,
    readonly maxQueued: number,
  ) {
    super(`pool ${pool}: queue full (${maxQueued} tasks waiting)`);
    this.name = 'PoolQueueFullError';
  }
}

/** True for a {@link TaskError}, optionally of one kind. */
export function isTaskError(error: unknown, kind?: TaskErrorKind): error is TaskError {
  return error instanceof TaskError && (kind === undefined || error.kind === kind);
}
