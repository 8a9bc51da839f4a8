/**
 * The one place where the main thread loads threads.js. Everything else uses src/pools.
 *
 * Why `require` and local types instead of `import ... from 'threads'`: threads.js's declaration files carry
 * `/// <reference lib="dom" />`, which would pull the DOM typings into the whole program. The small
 * interfaces below describe exactly the parts we use (checked against threads 1.7.0).
 */
import { Worker as NodeWorker, type WorkerOptions as NodeWorkerOptions } from 'node:worker_threads';

/** A spawned thread: one proxy function per method the worker exposed. */
export type ThreadProxy = Record<string, (...args: unknown[]) => PromiseLike<unknown>>;

/** The workers we hand to threads.js's `spawn()`: `worker_threads.Worker`s (see {@link createThreadsWorker}). */
export type ThreadsWorker = NodeWorker;

export interface ThreadsModule {
  spawn(worker: ThreadsWorker, options?: { timeout?: number }): Promise<ThreadProxy>;
  /** threads.js's own worker class: not used for pools (see {@link createThreadsWorker}). */
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
 * A `worker_threads.Worker` that threads.js's `spawn()` can drive, for the script at `absolutePath`.
 *
 * We do not use threads.js's own `Worker` class: its Node implementation pushes every instance into a
 * module-private array that is never pruned (only its SIGINT/SIGTERM handler, which we remove, reads it),
 * so each replaced worker would stay reachable forever. `spawn()` only needs the web-style
 * `addEventListener`/`removeEventListener` (listeners receive `{ data }`) plus `postMessage` and
 * `terminate`, which {@link SpawnableWorker} adds the same way threads.js does. It also takes the path
 * as is (threads.js rebases even absolute paths onto its caller's folder).
 */
export function createThreadsWorker(absolutePath: string, options?: NodeWorkerOptions): ThreadsWorker {
  // Resolved here so that a missing file fails synchronously, naming the path.
  return new SpawnableWorker(require.resolve(absolutePath), options);
}

type WebListener = (event: { data: unknown }) => void;

/** Node's Worker with the event-target methods threads.js's `spawn()` calls (same mapping as threads.js). */
class SpawnableWorker extends NodeWorker {
  private readonly mapped = new WeakMap<WebListener, (message: unknown) => void>();

  addEventListener(eventName: string, raw: WebListener): void {
    const listener = (message: unknown): void => raw({ data: message });
    this.mapped.set(raw, listener);
    this.on(eventName, listener);
  }

  removeEventListener(eventName: string, raw: WebListener): void {
    const listener = this.mapped.get(raw) ?? (raw as unknown as (message: unknown) => void);
    this.off(eventName, listener);
  }
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
