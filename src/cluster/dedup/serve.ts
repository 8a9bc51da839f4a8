/**
 * Serves the dedup queue from one process: takes batches (one at a time per slot, `concurrency` slots),
 * runs each in the local `hash` pool and stores the result for the coordinator. What `pipeline worker`
 * runs, and what a coordinating `pipeline dedup --cluster` runs besides its job.
 *
 * Path rule: a batch names absolute paths under its job's root, so every host must see the files at the
 * same absolute path (the same mount point). A worker that does not find the root fails the batch with
 * that message; pg-boss retries it (maybe on a host that has it) up to the job's retry limit.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import type PgBoss from 'pg-boss';
import type { WorkerPool } from '../../pools';
import type { HashWorkerApi } from '../../pools/kinds';
import { logger } from '../../util/logger';
import { decodePayload, encodePayload } from './payload';
import { DEDUP_QUEUE, QUEUED_METHODS, type BatchJobData, type BatchJobOutput } from './queue';

/** Options of {@link serveDedupQueue}. */
export interface ServeOptions {
  /** Batches run at once (queue slots); default twice the pool's size. */
  concurrency?: number;
  /** This worker's name in results and status; default `host:pid`. */
  workerId?: string;
  /** Called after each batch (ok or failed), e.g. for counts. */
  onBatch?: (outcome: { method: string; ok: boolean; ms: number }) => void;
}

/** A serving worker: `stop` takes no new batch (a graceful `boss.stop()` then waits for the ones running). */
export interface Serving {
  readonly workerId: string;
  stop(): Promise<void>;
}

/** The default worker id: host and process id. */
export function defaultWorkerId(): string {
  return `${os.hostname()}:${process.pid}`;
}

/** Runs one batch: checks its root and method, decodes its arguments, runs it in `pool`. */
async function runBatch(
  pool: WorkerPool<HashWorkerApi>,
  data: BatchJobData,
  workerId: string,
): Promise<BatchJobOutput> {
  if (!(QUEUED_METHODS as readonly string[]).includes(data.method))
    throw new Error(`batch names method "${String(data.method)}", which workers do not run`);
  const st = await fs.stat(data.root).catch(() => undefined);
  if (!st?.isDirectory())
    throw new Error(
      `${data.root}: not found on ${workerId}; every host must see the files at the same absolute path (shared mount)`,
    );
  const args = decodePayload<unknown[]>(data.args);
  // The method name was checked against QUEUED_METHODS; its arguments are what the coordinator's stage sent.
  const result = await (pool.run as (m: string, a: unknown[], o: { identity?: string }) => Promise<unknown>)(
    data.method,
    args,
    { identity: data.identity },
  );
  return { worker: workerId, result: encodePayload(result) };
}

/** Starts taking batches from `boss`'s dedup queue into `pool`. */
export async function serveDedupQueue(
  boss: PgBoss,
  pool: WorkerPool<HashWorkerApi>,
  options: ServeOptions = {},
): Promise<Serving> {
  const workerId = options.workerId ?? defaultWorkerId();
  const log = logger().child({ pipeline: 'dedup-worker', worker: workerId });
  const slots = options.concurrency ?? Math.max(1, pool.size * 2);
  const handler = async ([job]: PgBoss.Job<BatchJobData>[]): Promise<BatchJobOutput> => {
    const t0 = performance.now();
    try {
      const out = await runBatch(pool, job.data, workerId);
      options.onBatch?.({ method: job.data.method, ok: true, ms: performance.now() - t0 });
      return out;
    } catch (err) {
      log.warn(
        { err, batch: job.id },
        `batch ${job.id} (${job.data.identity ?? job.data.method}) failed: ${(err as Error).message}`,
      );
      options.onBatch?.({ method: job.data.method, ok: false, ms: performance.now() - t0 });
      throw err;
    }
  };
  // pg-boss 10 runs one fetch loop per work() call: one call per slot. A loop waits the polling interval
  // after every fetch; notifying it from its handler makes it fetch the next batch at once (it waits only
  // when the queue was empty).
  const ids: string[] = [];
  for (let i = 0; i < slots; i++) {
    let id = '';
    id = await boss.work<BatchJobData>(
      DEDUP_QUEUE,
      { batchSize: 1, pollingIntervalSeconds: 0.5 },
      async (jobs) => {
        try {
          return await handler(jobs);
        } finally {
          boss.notifyWorker(id);
        }
      },
    );
    ids.push(id);
  }
  log.info({ slots }, 'serving the dedup queue');
  return {
    workerId,
    stop: async () => {
      for (const id of ids) await boss.offWork({ id });
    },
  };
}
