/**
 * The one place where the main thread loads threads.js. Everything else uses src/pools.
 *
 * Why `require` and local types instead of `import ... from 'threads'`: threads.js's declaration files carry
 * `/// <reference lib="dom" />`, which would pull the DOM typings into the whole program. The small
 * interfaces below describe exactly the parts we use (checked against threads 1.7.0).
 */
import path from 'node:path';
import type { Worker as NodeWorker, WorkerOptions as NodeWorkerOptions } from 'node:worker_threads';

/** A spawned thread: one proxy function per method the worker exposed. */
export type ThreadProxy = Record<string, (...args: unknown[]) => PromiseLike<unknown>>;

/** threads.js's `Worker` is a `worker_threads.Worker` subclass (Node implementation). */
export type ThreadsWorker = NodeWorker;

export interface ThreadsModule {
  spawn(worker: ThreadsWorker, options?: { timeout?: number }): Promise<ThreadProxy>;
  Worker: new (scriptPath: string, options?: NodeWorkerOptions) => ThreadsWorker;
  Transfer(payload: unknown, transferables: ArrayBuffer[]): unknown;
}

let loaded: ThreadsModule | undefined;

/**
 * threads.js registers `process.on('SIGINT'|'SIGTERM', () => terminateWorkersAndMaster())` when its master
 * module loads; that handler terminates every worker and calls `process.exit`, cutting a graceful shutdown
 * (drain, flush) short. We recognise those listeners by their source text and remove them; our shutdown
 * closes pools explicitly instead.
 */
export function removeThreadsSignalHandlers(): number {
  let removed = 0;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    for (const listener of process.listeners(signal)) {
      if (String(listener).includes('terminateWorkersAndMaster')) {
        process.removeListener(signal, listener);
        removed++;
      }
    }
  }
  return removed;
}

/**
 * A threads.js `Worker` for the script at `absolutePath`. threads.js joins every script path onto the
 * folder of the file that called `new Worker` (even an absolute one: "/a/b" becomes "<caller dir>/a/b"),
 * so we hand it the path relative to this file, which is that caller.
 */
export function createThreadsWorker(absolutePath: string, options?: NodeWorkerOptions): ThreadsWorker {
  const { Worker } = threads();
  return new Worker(path.relative(__dirname, absolutePath), options);
}

/** A `spawn()` in progress, and a way to abandon it. */
export interface PendingSpawn {
  thread: Promise<ThreadProxy>;
  /**
   * threads.js's `spawn()` clears its init timer only when the init message arrives; for a worker that
   * dies or is terminated before that, the timer (the init timeout) stays armed and keeps the process
   * alive. `release` feeds spawn's own listener a synthetic, empty init message so it settles and clears
   * the timer. We call that listener directly because Node drops a worker's 'message' listeners when it
   * exits. Call it only for a worker being given up on; what `thread` then resolves to must be ignored.
   */
  release(): void;
}

/** threads.js `spawn()` with an init timeout of `timeoutMs`, releasable (see {@link PendingSpawn}). */
export function spawnThread(worker: ThreadsWorker, timeoutMs: number): PendingSpawn {
  const before = new Set(worker.listeners('message'));
  const thread = threads().spawn(worker, { timeout: timeoutMs });
  const spawnListeners = worker.listeners('message').filter((l) => !before.has(l)) as Array<
    (m: unknown) => void
  >;
  const emptyInit = { type: 'init', exposed: { type: 'module', methods: [] } };
  return { thread, release: () => spawnListeners.forEach((listener) => listener(emptyInit)) };
}

/** Loads threads.js (master side) once, with its signal handlers removed. */
export function threads(): ThreadsModule {
  if (loaded) return loaded;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require('threads') as ThreadsModule;
  removeThreadsSignalHandlers();
  loaded = { spawn: mod.spawn, Worker: mod.Worker, Transfer: mod.Transfer };
  return loaded;
}
