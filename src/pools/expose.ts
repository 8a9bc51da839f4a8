/**
 * Worker side of src/pools: every worker entry (workers/*.ts) ends with `exposeWorker(api)`.
 *
 * Conventions for worker authors:
 * - Export the api's type (`export type XApi = typeof api`) and name it in src/pools/kinds.ts (the only
 *   main-thread module that imports it, type-only), which gives callers a typed `xPool()`.
 * - Import only src/kernels/** and this module (eslint enforces it).
 * - Put one-time setup (loading OpenCV via `loadOpenCV()`, creating onnxruntime sessions, reading
 *   cascades) in an optional `init(...initArgs)` method: the pool runs it once per worker before the worker
 *   takes tasks. Workers are long-lived; a worker is only replaced when it dies or times out, and its
 *   replacement is a fresh thread that runs `init` again.
 * - onnxruntime: create sessions with {@link ortSessionOptions} (1 intra-op and 1 inter-op thread). The
 *   pool already runs one worker per core; ORT's own thread pools on top would oversubscribe the CPU.
 * - Return large results with {@link transferResult} so their buffers move instead of being copied.
 * - Arguments listed in `transfer` by the caller arrive as ArrayBuffers: re-wrap them
 *   (`new Float32Array(buffer)`).
 * - Throwing (or rejecting) fails only that task (`TaskError` kind 'failed'). An uncaught exception outside
 *   a task makes the pool treat the worker as dead and replace it.
 */

import { parentPort } from 'node:worker_threads';
import { coversWholeBuffer } from './transfer';
import { UNSAFE_TO_TERMINATE_MESSAGE } from './unsafe';

interface ThreadsWorkerModule {
  expose(api: object): void;
  Transfer(payload: unknown, transferables: ArrayBuffer[]): unknown;
}

function threadsWorker(): ThreadsWorkerModule {
  // Loaded lazily (and through `require`, see src/pools/threads.ts for why) so that importing this module
  // from the main thread, for types or helpers, does not load threads.js's worker runtime.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('threads/worker') as ThreadsWorkerModule;
}

/** Exposes `api`'s methods to the pool. Call exactly once, at the end of the worker module. */
export function exposeWorker<Api extends object>(api: Api): void {
  threadsWorker().expose(api);
}

/**
 * The buffers of `views` that can be listed in {@link transferResult}: those a view spans whole (moving a
 * buffer shared with other views would empty them). Views on part of a buffer are copied as usual.
 */
export function movableBuffers(views: ReadonlyArray<ArrayBufferView | undefined>): ArrayBuffer[] {
  return views.flatMap((v) => (v && coversWholeBuffer(v) ? [v.buffer] : []));
}

/** Wraps a worker method's result so that `buffers` are moved to the main thread rather than copied. */
export function transferResult<T>(value: T, buffers: ArrayBuffer[]): T {
  return threadsWorker().Transfer(value, buffers) as T;
}

/**
 * Tells the pool that this worker is about to load native code that aborts the process when its thread is
 * terminated mid-call (onnxruntime-node). Call it before loading; from then on a timed-out task of this
 * worker is abandoned (the worker finishes it out of rotation) instead of its thread being terminated,
 * whatever the pool's `onTimeout`. Workers that never call it are terminated on a timeout under
 * 'terminate', so a hung task costs no leaked thread.
 */
export function declareUnsafeToTerminate(reason: string): void {
  parentPort?.postMessage({ type: UNSAFE_TO_TERMINATE_MESSAGE, reason });
}

// The session options live with the kernels that open sessions; re-exported for worker authors.
export { ortSessionOptions, type OrtWorkerSessionOptions } from '../kernels/ort-options';
