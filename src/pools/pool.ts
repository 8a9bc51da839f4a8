import type { ResourceLimits } from 'node:worker_threads';
import { Observable, Subject } from 'rxjs';
import { logger } from '../util/logger';
import { PoolClosedError, PoolQueueFullError, TaskError, type TaskErrorKind } from './errors';
import { LatencyWindow, type LatencySummary } from './latency';
import { poolMetrics, type PoolMetrics } from './metrics';
import { TIMEOUT_POLICIES, type TimeoutPolicy } from './policy';
import { UNSAFE_TO_TERMINATE_MESSAGE } from './unsafe';
import { createProcessWorker } from './process-worker';
import { createThreadsWorker, spawnThread, threads, type ThreadProxy, type ThreadsWorker } from './threads';

/** The methods a worker exposes (see `exposeWorker`). `init` is run by the pool, never by callers. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type WorkerApi = { [method: string]: (...args: any[]) => unknown };

/** Methods callers may `run` (everything but `init`). */
export type TaskMethod<Api> = Exclude<Extract<keyof Api, string>, 'init'>;
/** Argument tuple of a worker method. */
export type TaskArgs<Api, M extends keyof Api> = Api[M] extends (...args: infer A) => unknown ? A : never;
/** Resolved result of a worker method. */
export type TaskResult<Api, M extends keyof Api> = Api[M] extends (...args: never[]) => infer R
  ? Awaited<R>
  : never;

export interface PoolOptions {
  /** The pool's kind/name (detect, embed, classify, hash, decode, ...): labels logs, metrics and errors. */
  name: string;
  /** Absolute path of the compiled worker entry, usually `workerPath('<name>')`. */
  worker: string;
  /** Number of worker threads. */
  size: number;
  /** Tasks one worker runs at the same time (default 1; >1 only for workers that await I/O). */
  concurrency?: number;
  /** Default per-task timeout (default 30 s). What happens to the worker then: see `onTimeout`. */
  taskTimeoutMs?: number;
  /** What to do with the worker of a timed-out task (default 'terminate'); see {@link TimeoutPolicy}. */
  onTimeout?: TimeoutPolicy;
  /**
   * 'abandon' only: how long a worker may go on with a timed-out task (default 5 min). Past that it is
   * reported as stuck (error log, `worker-stuck` event) and a new worker takes its place, so the pool keeps
   * its size; the stuck one is still not terminated (inside onnxruntime that would abort the process) but
   * unref'd, and terminated once its call returns. `drain()` stops waiting for it.
   */
  abandonGraceMs?: number;
  /** Most tasks allowed to wait for a worker; `run` rejects with `PoolQueueFullError` beyond it (default no limit). */
  maxQueued?: number;
  /** Passed to every worker as `workerData`. */
  workerData?: unknown;
  /** Arguments for the worker's `init` method, run once per worker before it takes tasks. */
  initArgs?: unknown[];
  /** How long a worker may take to load and run `init` (default 60 s). */
  initTimeoutMs?: number;
  /** How often a task is re-run after its worker died under it (default 1). */
  maxRetries?: number;
  /** Consecutive failed worker starts after which the pool gives up (default 3). */
  maxStartFailures?: number;
  /** V8 heap limits per worker (threads only). */
  resourceLimits?: ResourceLimits;
  /**
   * 'thread' (default): worker threads. 'process': child processes running the same worker file, for native
   * libraries that load in one thread per process only (OpenCV); arguments and results are copied.
   */
  isolation?: 'thread' | 'process';
}

export interface RunOptions {
  /** ArrayBuffers moved (not copied) to the worker; see `toTransferable`. The sender must not touch them after. */
  transfer?: ArrayBuffer[];
  /** What the task is about ("cam1#frame42", a file path): carried by `TaskError`. */
  identity?: string;
  /** Overrides the pool's `taskTimeoutMs` for this task. */
  timeoutMs?: number;
}

/** Lifecycle events of a pool's workers. */
export type PoolEvent =
  | { type: 'worker-started'; pool: string; workerId: number; threadId: number }
  | { type: 'worker-replaced'; pool: string; workerId: number; reason: string; lostTasks: number }
  | { type: 'worker-start-failed'; pool: string; workerId: number; reason: string }
  | { type: 'task-retried'; pool: string; method: string; identity?: string; reason: string }
  /** 'abandon' policy: a task timed out; its worker finishes it out of rotation. */
  | { type: 'task-abandoned'; pool: string; workerId: number; method: string; identity?: string }
  /** 'abandon' policy: a worker is still busy with a timed-out task after `abandonGraceMs`. */
  | { type: 'worker-stuck'; pool: string; workerId: number; method: string; busyMs: number }
  /** 'abandon' policy: a worker finished its timed-out task(s) and takes tasks again. */
  | { type: 'worker-returned'; pool: string; workerId: number; busyMs: number };

export interface PoolStats {
  name: string;
  /** Configured number of workers. */
  size: number;
  /** Workers currently able to take tasks. */
  workers: number;
  queued: number;
  active: number;
  completed: number;
  failed: number;
  retried: number;
  restarts: number;
  /** Tasks that timed out (whatever the policy; they are also counted in `failed`). */
  timedOut: number;
  /** Timed-out tasks still running in their workers ('abandon' policy); their workers take no new task. */
  abandoned: number;
  /** Workers busy with an abandoned task for longer than `abandonGraceMs`. */
  stuck: number;
  /** Latency (ms, dispatch to result) over the last 1024 completed tasks. */
  latency: LatencySummary;
}

/** A fixed-size set of long-lived worker threads with a bounded task queue. */
export interface WorkerPool<Api = WorkerApi> {
  readonly name: string;
  readonly size: number;
  /** What happens to the worker of a timed-out task. */
  readonly onTimeout: TimeoutPolicy;
  /** Worker starts, deaths (with reason) and task retries. Completes on `terminate`. */
  readonly events$: Observable<PoolEvent>;
  /** Resolves once all `size` workers have started (and run `init`); rejects if the pool cannot start. */
  ready(): Promise<void>;
  /** Runs `method(...args)` in a worker. Rejects with `TaskError`, `PoolQueueFullError` or `PoolClosedError`. */
  run<M extends TaskMethod<Api>>(
    method: M,
    args: TaskArgs<Api, M>,
    options?: RunOptions,
  ): Promise<TaskResult<Api, M>>;
  stats(): PoolStats;
  /** Resolves when nothing is queued or running. */
  drain(): Promise<void>;
  /**
   * Kills one worker as if it had crashed (diagnostics and tests); it is replaced (a stuck worker, already
   * replaced, is only removed). False if unknown. Unsafe for a worker that is inside onnxruntime (see
   * {@link TimeoutPolicy}).
   */
  killWorker(workerId: number): boolean;
  /** Ids of the live workers. */
  workerIds(): number[];
  /**
   * Rejects queued and running tasks, terminates every worker. Idempotent. With 'abandon', a worker still
   * running a task is not terminated but unref'd and terminated once the task returns (drain first).
   */
  terminate(): Promise<void>;
}

interface Task {
  method: string;
  args: unknown[];
  transfer: ArrayBuffer[];
  identity: string | undefined;
  timeoutMs: number;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  deaths: number;
  /** Re-run after its worker died under it: runs on a worker of its own (it may be what killed the last one). */
  alone: boolean;
  transferSent: boolean;
  startedAt: number;
  timer?: NodeJS.Timeout;
  settled: boolean;
}

type SlotState = 'starting' | 'ready' | 'retiring' | 'dead';

interface WorkerSlot {
  id: number;
  native: ThreadsWorker;
  thread?: ThreadProxy;
  state: SlotState;
  running: Set<Task>;
  /** Timed-out tasks the worker is still running ('abandon' policy): it takes no new task meanwhile. */
  abandoned: Set<Task>;
  /** When the worker's first abandoned task started (performance.now()). */
  abandonedSince?: number;
  /** Fires after `abandonGraceMs`: the worker is then reported as stuck. */
  graceTimer?: NodeJS.Timeout;
  stuck: boolean;
  /** Terminate the worker as soon as its abandoned tasks return (set when the pool closed meanwhile). */
  terminateWhenIdle: boolean;
  lastError?: string;
  /**
   * Set when the worker declared that it loaded native code that must not be terminated mid-call
   * (`declareUnsafeToTerminate`, e.g. onnxruntime): its timed-out tasks are then abandoned, whatever `onTimeout` says.
   */
  unsafeToTerminate?: string;
  /** Gives up on a start in progress: settles threads.js's spawn and our init wait, clearing their timers. */
  abandonStart?: () => void;
}

const DEFAULTS = {
  concurrency: 1,
  taskTimeoutMs: 30_000,
  initTimeoutMs: 60_000,
  maxRetries: 1,
  maxStartFailures: 3,
  terminateWaitMs: 5_000,
  onTimeout: 'terminate' as TimeoutPolicy,
  abandonGraceMs: 300_000,
  isolation: 'thread' as 'thread' | 'process',
};

/**
 * Creates a pool of `size` long-lived worker threads (threads.js `spawn` + `Worker`, with our own queue so
 * that dead workers are replaced and every task has a timeout). Workers start right away; tasks queue
 * until one is ready.
 *
 * - Workers are never recycled after successful tasks (native libraries such as OpenCV and onnxruntime
 *   must not be reloaded into a thread of a terminated worker); a worker that dies is replaced by a
 *   fresh spawn.
 * - A task whose worker dies is re-run once on another worker (unless it transferred buffers), then
 *   rejected with `TaskError('worker-died')`.
 * - A task that times out is rejected with `TaskError('timeout')`. With `onTimeout: 'terminate'` (default)
 *   its worker is terminated (a stuck call cannot be interrupted otherwise) and replaced; other tasks on it
 *   are re-run. With 'abandon' (workers running onnxruntime) the worker finishes the task out of rotation.
 */
export function createPool<Api = WorkerApi>(options: PoolOptions): WorkerPool<Api> {
  return new ThreadsPool<Api>(options);
}

class ThreadsPool<Api> implements WorkerPool<Api> {
  readonly name: string;
  readonly size: number;
  readonly onTimeout: TimeoutPolicy;
  private readonly opts: Required<Omit<PoolOptions, 'workerData' | 'resourceLimits' | 'maxQueued'>> &
    Pick<PoolOptions, 'workerData' | 'resourceLimits'> & { maxQueued: number };
  private readonly events = new Subject<PoolEvent>();
  readonly events$ = this.events.asObservable();
  private readonly queue: Task[] = [];
  private readonly slots = new Set<WorkerSlot>();
  private readonly exits = new Map<WorkerSlot, Promise<void>>();
  private readonly respawnTimers = new Set<NodeJS.Timeout>();
  private readonly latency = new LatencyWindow();
  private readonly metrics: PoolMetrics;
  private readonly counts = { completed: 0, failed: 0, retried: 0, restarts: 0, timedOut: 0 };
  private nextWorkerId = 1;
  private startFailures = 0;
  private everReady = 0;
  /** Set when the pool stops taking tasks: terminated, or no worker could start. */
  private closedReason: string | undefined;
  private terminated = false;
  /** Whether the workers hold the process now (they do while there is work: see {@link holdWhileBusy}). */
  private holding = false;
  private idleWaiters: Array<() => void> = [];
  private readyDeferred: { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void };

  constructor(options: PoolOptions) {
    validate(options);
    this.name = options.name;
    this.size = options.size;
    this.opts = {
      ...DEFAULTS,
      initArgs: [],
      maxQueued: Number.POSITIVE_INFINITY,
      ...stripUndefined(options),
    };
    this.onTimeout = this.opts.onTimeout;
    this.metrics = poolMetrics(this.name);
    this.readyDeferred = deferred();
    this.readyDeferred.promise.catch(() => undefined); // callers who never await ready() see errors via run()
    for (let i = 0; i < this.size; i++) this.startWorker();
  }

  ready(): Promise<void> {
    return this.readyDeferred.promise;
  }

  run<M extends TaskMethod<Api>>(
    method: M,
    args: TaskArgs<Api, M>,
    options: RunOptions = {},
  ): Promise<TaskResult<Api, M>> {
    if (this.closedReason) return Promise.reject(new PoolClosedError(this.name, this.closedReason));
    if (this.queue.length >= this.opts.maxQueued) {
      return Promise.reject(new PoolQueueFullError(this.name, this.opts.maxQueued));
    }
    const transfer = options.transfer ?? [];
    if (transfer.length > 0 && args.length === 0) {
      return Promise.reject(
        new Error(`pool ${this.name}: ${method} has no argument to carry transferred buffers`),
      );
    }
    return new Promise<TaskResult<Api, M>>((resolve, reject) => {
      this.queue.push({
        method,
        args: args as unknown[],
        transfer,
        identity: options.identity,
        timeoutMs: options.timeoutMs ?? this.opts.taskTimeoutMs,
        resolve: resolve as (value: unknown) => void,
        reject,
        deaths: 0,
        alone: false,
        transferSent: false,
        startedAt: 0,
        settled: false,
      });
      this.pump();
    });
  }

  stats(): PoolStats {
    return {
      name: this.name,
      size: this.size,
      workers: this.usableSlots().length,
      queued: this.queue.length,
      active: this.activeCount(),
      ...this.counts,
      abandoned: this.abandonedCount(),
      stuck: [...this.slots].filter((s) => s.stuck).length,
      latency: this.latency.summary(),
    };
  }

  drain(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  workerIds(): number[] {
    return [...this.slots].filter((s) => s.state === 'starting' || s.state === 'ready').map((s) => s.id);
  }

  killWorker(workerId: number): boolean {
    const slot = [...this.slots].find(
      (s) => s.id === workerId && (s.state === 'ready' || s.state === 'starting' || s.stuck),
    );
    if (!slot) return false;
    // Terminated from outside: the 'exit' handler treats it like a crash (replace, retry its tasks).
    slot.lastError = 'worker was terminated';
    void slot.native.terminate();
    return true;
  }

  async terminate(): Promise<void> {
    if (!this.terminated) {
      this.terminated = true;
      this.closedReason = 'terminated';
      for (const timer of this.respawnTimers) clearTimeout(timer);
      this.respawnTimers.clear();
      for (const task of this.queue.splice(0)) task.reject(new PoolClosedError(this.name, 'terminated'));
      for (const slot of [...this.slots]) {
        for (const task of slot.running) this.settleError(task, 'worker-died', 'pool terminated');
        const busy = [...slot.running, ...slot.abandoned];
        slot.running.clear();
        if (this.policyOf(slot) === 'abandon' && slot.state === 'ready' && busy.length > 0) {
          this.retireWhenIdle(slot, busy);
        } else {
          this.retire(slot);
        }
      }
      this.readyDeferred.reject(new PoolClosedError(this.name, 'terminated before its workers started'));
      this.events.complete();
      this.updateGauges();
      this.notifyIdle();
    }
    const exits = [...this.exits].filter(([slot]) => !slot.terminateWhenIdle).map(([, exit]) => exit);
    await waitAtMost(Promise.all(exits), DEFAULTS.terminateWaitMs).then((done) => {
      if (!done)
        logger().warn({ pool: this.name }, 'pool workers did not exit in time (stuck in native code?)');
    });
  }

  // --- workers -------------------------------------------------------------------------------------------

  private startWorker(): void {
    const id = this.nextWorkerId++;
    let native: ThreadsWorker;
    try {
      native =
        this.opts.isolation === 'process'
          ? createProcessWorker(this.opts.worker)
          : createThreadsWorker(this.opts.worker, {
              workerData: this.opts.workerData,
              resourceLimits: this.opts.resourceLimits,
            });
    } catch (error) {
      // e.g. the worker file does not exist (threads.js resolves the path synchronously).
      this.onStartFailure(undefined, id, `cannot load worker ${this.opts.worker}: ${messageOf(error)}`);
      return;
    }
    const slot: WorkerSlot = {
      id,
      native,
      state: 'starting',
      running: new Set(),
      abandoned: new Set(),
      stuck: false,
      terminateWhenIdle: false,
    };
    this.slots.add(slot);
    if (!this.holding) native.unref();
    const exited = new Promise<void>((resolve) => {
      native.once('exit', (code) => {
        this.onExit(slot, code);
        resolve();
      });
    });
    this.exits.set(slot, exited);
    void exited.then(() => this.exits.delete(slot));
    native.on('error', (error) => {
      slot.lastError = `worker threw: ${messageOf(error)}`;
    });
    native.on('message', (message: unknown) => {
      // threads.js keeps a worker alive after an uncaught exception and reports it 250 ms later. A worker in
      // that state cannot be trusted (Node itself would have killed it): treat it as dead. This listener
      // runs before spawn()'s, so a failed start is handled here, where its init timer can still be released.
      if (isUnsafeDeclaration(message)) {
        slot.unsafeToTerminate = message.reason;
        return;
      }
      if (!isUncaughtErrorMessage(message)) return;
      const reason = `uncaught error in worker: ${message.error?.message ?? 'unknown'}`;
      if (slot.state === 'ready') this.onWorkerLost(slot, reason);
      else if (slot.state === 'starting') this.onStartFailure(slot, id, reason);
    });

    const pending = spawnThread(native, this.opts.initTimeoutMs);
    const abandoned = new Promise<void>((resolve) => {
      slot.abandonStart = () => {
        pending.release();
        resolve();
      };
    });
    pending.thread
      .then(async (thread) => {
        if (slot.state !== 'starting') return;
        if (typeof thread.init === 'function') {
          const init = Promise.resolve(thread.init(...this.opts.initArgs));
          const done = await waitAtMost(Promise.race([init, abandoned]), this.opts.initTimeoutMs);
          if (slot.state !== 'starting') return;
          if (!done) throw new Error(`init did not finish within ${this.opts.initTimeoutMs} ms`);
        }
        if (slot.state !== 'starting') return;
        slot.thread = thread;
        slot.state = 'ready';
        this.startFailures = 0;
        this.events.next({
          type: 'worker-started',
          pool: this.name,
          workerId: id,
          threadId: native.threadId,
        });
        if (++this.everReady === this.size) this.readyDeferred.resolve();
        this.pump();
      })
      .catch((error: unknown) => {
        if (slot.state !== 'starting') return;
        this.onStartFailure(slot, id, messageOf(error));
      });
  }

  private onExit(slot: WorkerSlot, code: number): void {
    const previous = slot.state;
    this.forgetAbandoned(slot);
    const reason = slot.lastError ?? `worker exited with code ${code}`;
    if (previous === 'starting') {
      this.onStartFailure(slot, slot.id, `${reason} while starting`);
      return;
    }
    slot.state = 'dead';
    this.slots.delete(slot);
    if (previous === 'ready') this.lose(slot, reason);
  }

  /** The worker is unusable (timed out or reported an uncaught error): terminate it and replace it. */
  private onWorkerLost(slot: WorkerSlot, reason: string): void {
    this.retire(slot);
    this.lose(slot, reason);
  }

  /** Re-queues or rejects the tasks a dead worker was running, then starts its replacement. */
  private lose(slot: WorkerSlot, reason: string): void {
    const lost = [...slot.running];
    slot.running.clear();
    this.forgetAbandoned(slot);
    this.counts.restarts++;
    this.metrics.restarted();
    logger().warn({ pool: this.name, worker: slot.id, reason, lostTasks: lost.length }, 'pool worker died');
    this.events.next({
      type: 'worker-replaced',
      pool: this.name,
      workerId: slot.id,
      reason,
      lostTasks: lost.length,
    });
    for (const task of lost.reverse()) this.requeueOrReject(task, reason);
    if (!this.closedReason) this.startWorker();
    this.pump();
  }

  private requeueOrReject(task: Task, reason: string): void {
    clearTimeout(task.timer);
    task.deaths++;
    if (task.transferSent) {
      this.settleError(
        task,
        'worker-died',
        `${reason} (not retried: its transferred buffers went with the worker)`,
      );
    } else if (task.deaths > this.opts.maxRetries) {
      logger().warn(
        { pool: this.name, method: task.method, identity: task.identity, reason, attempts: task.deaths },
        'pool task lost: its worker died again on the retry',
      );
      this.settleError(task, 'worker-died', reason);
    } else {
      task.alone = true;
      this.counts.retried++;
      this.metrics.retried();
      this.events.next({
        type: 'task-retried',
        pool: this.name,
        method: task.method,
        identity: task.identity,
        reason,
      });
      this.queue.unshift(task);
    }
  }

  private onStartFailure(slot: WorkerSlot | undefined, id: number, reason: string): void {
    if (slot) {
      if (slot.state === 'starting') slot.abandonStart?.();
      slot.state = 'dead';
      this.slots.delete(slot);
      void slot.native.terminate();
    }
    if (this.closedReason) return;
    this.startFailures++;
    const live = [...this.slots].filter((s) => s.state === 'starting' || s.state === 'ready').length;
    logger().error({ pool: this.name, worker: id, reason }, 'pool worker failed to start');
    this.events.next({ type: 'worker-start-failed', pool: this.name, workerId: id, reason });
    if (this.startFailures < this.opts.maxStartFailures) {
      const delay = Math.min(100 * 2 ** (this.startFailures - 1), 5_000);
      const timer = setTimeout(() => {
        this.respawnTimers.delete(timer);
        if (!this.closedReason) this.startWorker();
      }, delay);
      this.respawnTimers.add(timer);
    } else if (live === 0) {
      this.breakPool(`worker ${this.opts.worker} failed to start ${this.startFailures} times: ${reason}`);
    } else {
      logger().warn({ pool: this.name, workers: live }, 'pool runs with fewer workers than configured');
    }
  }

  /** No worker can start: fail everything waiting and refuse new tasks. */
  private breakPool(reason: string): void {
    this.closedReason = reason;
    for (const task of this.queue.splice(0)) this.settleError(task, 'worker-died', reason);
    this.readyDeferred.reject(new PoolClosedError(this.name, reason));
    this.updateGauges();
    this.notifyIdle();
  }

  /**
   * Workers keep the process alive only while tasks are queued or running: an idle pool (a shared one a
   * library call started, say) must not keep a finished program from exiting, and a busy one must keep
   * it alive until its callers are answered. Retiring workers stay unref'd.
   */
  private holdWhileBusy(): void {
    const hold = !this.isIdle();
    if (hold === this.holding) return;
    this.holding = hold;
    for (const slot of this.slots) {
      if (slot.state !== 'starting' && slot.state !== 'ready') continue;
      if (hold) slot.native.ref();
      else slot.native.unref();
    }
  }

  /**
   * The pool closes while `slot` still runs `tasks` (already settled for their callers) under the 'abandon'
   * policy: terminating it now could abort the process, so it is unref'd (it will not keep the process
   * alive) and terminated when the last of them returns.
   */
  private retireWhenIdle(slot: WorkerSlot, tasks: Task[]): void {
    for (const task of tasks) {
      clearTimeout(task.timer);
      slot.abandoned.add(task);
    }
    clearTimeout(slot.graceTimer);
    this.retireAfterCall(slot);
    logger().warn(
      { pool: this.name, worker: slot.id, tasks: tasks.length },
      'pool closed while a worker was busy: it is terminated when its task returns',
    );
  }

  /**
   * Takes a worker that is inside a call out of the pool without terminating it there (inside
   * onnxruntime that would abort the process): unref'd, terminated once its call returns.
   */
  private retireAfterCall(slot: WorkerSlot): void {
    slot.state = 'retiring';
    slot.terminateWhenIdle = true;
    slot.native.unref();
  }

  /** Forgets a dead worker's abandoned tasks (their callers were answered at the timeout). */
  private forgetAbandoned(slot: WorkerSlot): void {
    slot.abandoned.clear();
    clearTimeout(slot.graceTimer);
    slot.graceTimer = undefined;
    slot.stuck = false;
  }

  private retire(slot: WorkerSlot): void {
    if (slot.state === 'retiring' || slot.state === 'dead') return;
    if (slot.state === 'starting') slot.abandonStart?.();
    slot.state = 'retiring';
    // Not awaited: a worker stuck in native code may take long to stop; its replacement starts meanwhile.
    Promise.resolve(slot.native.terminate()).catch(() => undefined);
  }

  // --- tasks ---------------------------------------------------------------------------------------------

  private pump(): void {
    while (this.queue.length > 0) {
      // In order: a retried task at the head waits for a worker of its own rather than being overtaken.
      const slot = this.freestSlot(this.queue[0].alone);
      if (!slot) break;
      this.dispatch(slot, this.queue.shift() as Task);
    }
    this.updateGauges();
    this.notifyIdle();
  }

  /** The least busy worker with room; `alone`: an idle one. A worker running a retried task takes no other. */
  private freestSlot(alone: boolean): WorkerSlot | undefined {
    let best: WorkerSlot | undefined;
    for (const slot of this.usableSlots()) {
      if (alone ? slot.running.size > 0 : [...slot.running].some((t) => t.alone)) continue;
      if (slot.running.size < this.opts.concurrency && (!best || slot.running.size < best.running.size))
        best = slot;
    }
    return best;
  }

  /** What happens to `slot` when one of its tasks times out: the pool's policy, unless the worker declared native code. */
  private policyOf(slot: WorkerSlot): TimeoutPolicy {
    return slot.unsafeToTerminate ? 'abandon' : this.opts.onTimeout;
  }

  private dispatch(slot: WorkerSlot, task: Task): void {
    const thread = slot.thread as ThreadProxy;
    const fn = thread[task.method];
    if (typeof fn !== 'function' || task.method === 'init') {
      this.settleError(
        task,
        'failed',
        `worker ${this.opts.worker} does not expose a method "${task.method}"`,
      );
      return;
    }
    slot.running.add(task);
    task.startedAt = performance.now();
    task.timer = setTimeout(() => this.onTaskTimeout(slot, task), task.timeoutMs);
    let args = task.args;
    if (task.transfer.length > 0) {
      args = [threads().Transfer(args[0], task.transfer), ...args.slice(1)];
      task.transferSent = true;
    }
    Promise.resolve()
      .then(() => fn(...args))
      .then(
        (value) => this.onSettled(slot, task, () => this.settleValue(task, value)),
        (error: unknown) =>
          this.onSettled(slot, task, () =>
            this.settleError(task, 'failed', messageOf(error), stackOf(error)),
          ),
      );
  }

  private onSettled(slot: WorkerSlot, task: Task, settle: () => void): void {
    if (slot.abandoned.delete(task)) {
      this.onAbandonedReturned(slot, task);
      return;
    }
    if (task.settled || !slot.running.has(task)) return; // timed out or re-queued meanwhile
    slot.running.delete(task);
    clearTimeout(task.timer);
    settle();
    this.pump();
  }

  private onTaskTimeout(slot: WorkerSlot, task: Task): void {
    if (task.settled || !slot.running.has(task)) return;
    slot.running.delete(task);
    this.counts.timedOut++;
    this.metrics.timedOut();
    if (this.policyOf(slot) === 'terminate') {
      this.settleError(task, 'timeout', `no result within ${task.timeoutMs} ms; worker ${slot.id} replaced`);
      this.onWorkerLost(slot, `task ${task.method} timed out after ${task.timeoutMs} ms`);
      return;
    }
    // 'abandon': the caller gets its answer now; the worker keeps running the task (it may be inside
    // onnxruntime, where terminating the thread would abort the process) and takes no new task until then.
    slot.abandoned.add(task);
    if (slot.abandoned.size === 1) {
      slot.abandonedSince = task.startedAt;
      slot.graceTimer = setTimeout(() => this.onStuck(slot, task), this.opts.abandonGraceMs);
      slot.graceTimer.unref(); // a stuck worker must not keep the process alive by our timer
    }
    this.settleError(
      task,
      'timeout',
      `no result within ${task.timeoutMs} ms; worker ${slot.id} finishes it out of rotation`,
    );
    logger().warn(
      { pool: this.name, worker: slot.id, method: task.method, identity: task.identity, ms: task.timeoutMs },
      'pool task timed out: its worker is left to finish it and takes no new task meanwhile',
    );
    this.events.next({
      type: 'task-abandoned',
      pool: this.name,
      workerId: slot.id,
      method: task.method,
      identity: task.identity,
    });
    this.pump();
  }

  /** An abandoned task returned: its result is discarded; the worker serves again once it has no other. */
  private onAbandonedReturned(slot: WorkerSlot, task: Task): void {
    if (slot.abandoned.size > 0) return;
    const busyMs = Math.round(performance.now() - (slot.abandonedSince ?? task.startedAt));
    const wasStuck = slot.stuck;
    clearTimeout(slot.graceTimer);
    slot.graceTimer = undefined;
    slot.stuck = false;
    slot.abandonedSince = undefined;
    if (slot.terminateWhenIdle) {
      // The pool closed meanwhile; the worker is now back in JavaScript, where terminating it is safe.
      Promise.resolve(slot.native.terminate()).catch(() => undefined);
      return;
    }
    if (slot.state !== 'ready') return;
    const log = logger();
    (wasStuck ? log.warn.bind(log) : log.info.bind(log))(
      { pool: this.name, worker: slot.id, method: task.method, busyMs },
      'pool worker finished its timed-out task and takes tasks again',
    );
    this.events.next({ type: 'worker-returned', pool: this.name, workerId: slot.id, busyMs });
    this.pump();
  }

  /**
   * A worker still runs an abandoned task after `abandonGraceMs`: report it and start a worker in its
   * place. It is not terminated even now (inside onnxruntime that would abort the process): it is unref'd
   * and terminated when its call returns, back in JavaScript.
   */
  private onStuck(slot: WorkerSlot, task: Task): void {
    slot.graceTimer = undefined;
    if (slot.abandoned.size === 0 || slot.state !== 'ready') return;
    slot.stuck = true;
    this.retireAfterCall(slot);
    if (!this.closedReason) this.startWorker();
    const busyMs = Math.round(performance.now() - (slot.abandonedSince ?? task.startedAt));
    logger().error(
      { pool: this.name, worker: slot.id, method: task.method, busyMs },
      'pool worker is stuck in a timed-out task: replaced by a new worker; left running (not terminated) until its call returns',
    );
    this.events.next({
      type: 'worker-stuck',
      pool: this.name,
      workerId: slot.id,
      method: task.method,
      busyMs,
    });
    this.updateGauges();
    this.notifyIdle(); // drain() stops waiting for it
  }

  private settleValue(task: Task, value: unknown): void {
    task.settled = true;
    const ms = performance.now() - task.startedAt;
    this.counts.completed++;
    this.latency.record(ms);
    this.metrics.completed(ms / 1000);
    task.resolve(value);
  }

  private settleError(task: Task, kind: TaskErrorKind, cause: string, workerStack?: string): void {
    if (task.settled) return;
    task.settled = true;
    clearTimeout(task.timer);
    this.counts.failed++;
    this.metrics.failed();
    task.reject(
      new TaskError({
        kind,
        pool: this.name,
        method: task.method,
        identity: task.identity,
        cause,
        workerStack,
      }),
    );
  }

  // --- helpers -------------------------------------------------------------------------------------------

  /** Workers that may take a task now: started, and not busy with an abandoned task. */
  private usableSlots(): WorkerSlot[] {
    return [...this.slots].filter((s) => s.state === 'ready' && s.abandoned.size === 0);
  }

  private abandonedCount(): number {
    let n = 0;
    for (const slot of this.slots) n += slot.abandoned.size;
    return n;
  }

  private activeCount(): number {
    let n = 0;
    for (const slot of this.slots) n += slot.running.size;
    return n;
  }

  /** Nothing queued or running; abandoned tasks count as running until their worker is reported stuck. */
  private isIdle(): boolean {
    if (this.queue.length > 0 || this.activeCount() > 0) return false;
    return ![...this.slots].some((s) => s.state === 'ready' && s.abandoned.size > 0 && !s.stuck);
  }

  private notifyIdle(): void {
    this.holdWhileBusy();
    if (this.idleWaiters.length === 0 || !this.isIdle()) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private updateGauges(): void {
    this.metrics.setQueued(this.queue.length);
    this.metrics.setActive(this.activeCount());
    this.metrics.setAbandoned(this.abandonedCount());
  }
}

function validate(options: PoolOptions): void {
  const where = `pool ${options.name}`;
  if (!options.name) throw new Error('createPool: name is required');
  if (!options.worker) throw new Error(`${where}: worker path is required`);
  if (!Number.isInteger(options.size) || options.size < 1) {
    throw new Error(`${where}: size must be a positive integer, got ${options.size}`);
  }
  if (
    options.concurrency !== undefined &&
    (!Number.isInteger(options.concurrency) || options.concurrency < 1)
  ) {
    throw new Error(`${where}: concurrency must be a positive integer, got ${options.concurrency}`);
  }
  if (options.onTimeout !== undefined && !TIMEOUT_POLICIES.includes(options.onTimeout)) {
    throw new Error(
      `${where}: onTimeout must be one of ${TIMEOUT_POLICIES.join(', ')}, got ${String(options.onTimeout)}`,
    );
  }
  for (const key of ['taskTimeoutMs', 'initTimeoutMs', 'abandonGraceMs'] as const) {
    const value = options[key];
    if (value !== undefined && !(value > 0)) throw new Error(`${where}: ${key} must be > 0, got ${value}`);
  }
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Resolves true when `promise` settles within `ms`, false otherwise (rejections propagate). */
function waitAtMost(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  return Promise.race([promise.then(() => true), timeout]).finally(() => clearTimeout(timer));
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function stackOf(error: unknown): string | undefined {
  return error instanceof Error ? error.stack : undefined;
}

function isUnsafeDeclaration(message: unknown): message is { type: string; reason: string } {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as { type?: unknown }).type === UNSAFE_TO_TERMINATE_MESSAGE
  );
}

function isUncaughtErrorMessage(
  message: unknown,
): message is { type: 'uncaughtError'; error?: { message?: string } } {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as { type?: unknown }).type === 'uncaughtError'
  );
}
