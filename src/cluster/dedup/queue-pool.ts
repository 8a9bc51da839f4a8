/**
 * A `hash` pool whose feature and verification calls run on the cluster: `run('featuresBatch' | 'features'
 * | 'verifyPairs', ...)` sends the call as one batch to the dedup queue and resolves with the result a
 * `pipeline worker` (any host) stored; every other method (content hashes of the exact stage) runs in the
 * local pool. The dedup stages take it in place of the local pool, so the cluster job is the same
 * composition of the same stages (src/pipelines/dedup/job.ts) with the work done elsewhere.
 *
 * Results are read back by polling the queue's table for the outstanding batch ids (one query per tick
 * for all of them): pg-boss 10 keeps a finished batch's output in its row.
 */
import type PgBoss from 'pg-boss';
import type { WorkerPool } from '../../pools';
import type { HashWorkerApi } from '../../pools/kinds';
import type { RunOptions, TaskArgs, TaskMethod, TaskResult } from '../../pools/pool';
import { logger } from '../../util/logger';
import { decodePayload, encodePayload } from './payload';
import {
  DEDUP_QUEUE,
  QUEUED_METHODS,
  type BatchJobData,
  type BatchJobOutput,
  type QueuedMethod,
} from './queue';

/** A batch that failed on every try (or was cancelled): names the batch, its queue id and the last error. */
export class ClusterBatchError extends Error {
  constructor(
    readonly jobId: string,
    readonly identity: string | undefined,
    readonly state: string,
    reason: string,
  ) {
    super(`cluster batch ${jobId}${identity ? ` (${identity})` : ''} ${state}: ${reason}`);
    this.name = 'ClusterBatchError';
  }
}

/** Options of {@link queuePool}. */
export interface QueuePoolOptions {
  /** The job's root (checked by each worker). */
  root: string;
  /** Batches outstanding per stage: the pool reports half of it as its `size` (stages run 2 per slot). */
  batchesInFlight: number;
  expireSeconds: number;
  retryLimit: number;
  /** Poll interval for finished batches; default 200 ms. */
  pollMs?: number;
  /**
   * Methods run in the local pool when their batch failed on every try: verification is pure
   * computation on data this process holds, so a batch that kept failing elsewhere (lost workers) is not
   * lost. Default `['verifyPairs']`; a feature batch that fails is split file by file by the stage.
   */
  localFallback?: readonly QueuedMethod[];
}

/** The pool, plus `close` (stops polling; outstanding calls reject). */
export type QueuePool = WorkerPool<HashWorkerApi> & { close(): void };

interface Waiter {
  resolve: (output: BatchJobOutput) => void;
  reject: (err: Error) => void;
  identity?: string;
}

interface FinishedRow {
  id: string;
  state: 'completed' | 'failed' | 'cancelled';
  output: unknown;
}

const isQueued = (method: string): method is QueuedMethod =>
  (QUEUED_METHODS as readonly string[]).includes(method);

/** The last error of a failed batch as pg-boss stored it (a thrown error, or its expiry notice). */
function failureReason(output: unknown): string {
  const o = output as { message?: unknown; value?: { message?: unknown } } | null;
  const message = o?.message ?? o?.value?.message;
  return typeof message === 'string' ? message : JSON.stringify(output);
}

/** Wraps `local`: queued methods go to `boss`'s dedup queue, the rest to `local`. */
export function queuePool(
  local: WorkerPool<HashWorkerApi>,
  boss: PgBoss,
  options: QueuePoolOptions,
): QueuePool {
  const log = logger().child({ pipeline: 'dedup-cluster' });
  const pollMs = options.pollMs ?? 200;
  const fallback = new Set<string>(options.localFallback ?? ['verifyPairs']);
  const waiting = new Map<string, Waiter>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const poll = async (): Promise<void> => {
    timer = undefined;
    if (closed || waiting.size === 0) return;
    try {
      const { rows } = await boss.getDb().executeSql(
        `SELECT id, state, output FROM pgboss.job
          WHERE name = $1 AND id = ANY($2::uuid[]) AND state IN ('completed', 'failed', 'cancelled')`,
        [DEDUP_QUEUE, [...waiting.keys()]],
      );
      for (const row of rows as FinishedRow[]) {
        const w = waiting.get(row.id);
        if (!w) continue;
        waiting.delete(row.id);
        if (row.state === 'completed') w.resolve(row.output as BatchJobOutput);
        else w.reject(new ClusterBatchError(row.id, w.identity, row.state, failureReason(row.output)));
      }
    } catch (err) {
      // The database blinked: the batches are still in it; ask again next tick.
      log.warn({ err }, `reading finished batches: ${(err as Error).message}`);
    }
    schedule();
  };
  const schedule = (): void => {
    if (!timer && !closed && waiting.size > 0) timer = setTimeout(() => void poll(), pollMs);
  };

  const remote = async (method: QueuedMethod, args: unknown[], identity?: string): Promise<unknown> => {
    if (closed) throw new Error('dedup cluster pool closed');
    const data: BatchJobData = { method, root: options.root, identity, args: encodePayload(args) };
    const id = await boss.send(DEDUP_QUEUE, data, {
      expireInSeconds: options.expireSeconds,
      retryLimit: options.retryLimit,
      retryDelay: 1,
    });
    if (!id) throw new Error(`dedup queue refused a ${method} batch (${identity ?? 'no identity'})`);
    const output = await new Promise<BatchJobOutput>((resolve, reject) => {
      waiting.set(id, { resolve, reject, identity });
      schedule();
    });
    return decodePayload(output.result);
  };

  const run = async <M extends TaskMethod<HashWorkerApi>>(
    method: M,
    args: TaskArgs<HashWorkerApi, M>,
    runOptions?: RunOptions,
  ): Promise<TaskResult<HashWorkerApi, M>> => {
    if (!isQueued(method)) return local.run(method, args, runOptions);
    try {
      return (await remote(method, args, runOptions?.identity)) as TaskResult<HashWorkerApi, M>;
    } catch (err) {
      if (!(err instanceof ClusterBatchError) || !fallback.has(method)) throw err;
      log.warn({ err }, `${err.message}; running it in this process`);
      return local.run(method, args, runOptions);
    }
  };

  return {
    name: 'dedup-cluster',
    size: Math.max(1, Math.floor(options.batchesInFlight / 2)),
    onTimeout: local.onTimeout,
    events$: local.events$,
    ready: () => local.ready(),
    run,
    stats: () => local.stats(),
    drain: () => local.drain(),
    killWorker: (id) => local.killWorker(id),
    workerIds: () => local.workerIds(),
    terminate: () => local.terminate(),
    close: () => {
      closed = true;
      if (timer) clearTimeout(timer);
      for (const [id, w] of waiting)
        w.reject(new ClusterBatchError(id, w.identity, 'abandoned', 'the job ended'));
      waiting.clear();
    },
  };
}
