/**
 * Core overhead: items/s through `inPool` with a trivial task (echo) in a real pool, against a
 * hand-written worker_threads loop doing the same work with the same number of workers, in one process.
 */
import { Worker } from 'node:worker_threads';
import { lastValueFrom, tap } from 'rxjs';
import { inPool } from '../src/operators/in-pool';
import { pullFrom } from '../src/operators/pull-from';
import { createPool, type WorkerPool } from '../src/pools';
import { workerPath } from '../src/util/paths';
import type { EchoApi } from '../workers/echo';
import { fmt, ratio } from './lib/measure';
import type { BenchDefinition, CaseContext } from './lib/types';

const WORKERS = 2;
/** Items in flight: enough to keep every worker busy while results travel back. */
const IN_FLIGHT = 16;

type Variant = 'raw-1' | 'raw-pipelined' | 'pool-run' | 'inPool';

interface Measurement {
  variant: Variant;
  items: number;
  seconds: number;
  itemsPerSecond: number;
}

/** An inline worker that echoes every message back: the least work a worker can do. */
const ECHO_SOURCE = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', (m) => parentPort.postMessage(m));
`;

async function startRawWorkers(): Promise<Worker[]> {
  const workers = Array.from({ length: WORKERS }, () => new Worker(ECHO_SOURCE, { eval: true }));
  await Promise.all(workers.map((w) => new Promise((resolve) => w.once('online', resolve))));
  return workers;
}

/**
 * Hand-written loop: every worker gets `perWorker` items in flight; each reply sends the next item. With
 * perWorker 1 this is the dispatch discipline of a pool (one task per worker at a time).
 */
function rawLoop(workers: Worker[], perWorker: number, durationMs: number): Promise<Measurement> {
  return new Promise((resolve) => {
    const start = performance.now();
    const deadline = start + durationMs;
    let seq = 0;
    let done = 0;
    let open = workers.length;
    for (const w of workers) {
      let inFlight = 0;
      const send = () => {
        inFlight++;
        w.postMessage({ seq: seq++ });
      };
      const onMessage = () => {
        inFlight--;
        done++;
        if (performance.now() < deadline) send();
        else if (inFlight === 0) {
          w.off('message', onMessage);
          if (--open === 0) {
            const seconds = (performance.now() - start) / 1000;
            resolve({
              variant: perWorker === 1 ? 'raw-1' : 'raw-pipelined',
              items: done,
              seconds,
              itemsPerSecond: done / seconds,
            });
          }
        }
      };
      w.on('message', onMessage);
      for (let i = 0; i < perWorker; i++) send();
    }
  });
}

/** The pool alone: `pool.run` with IN_FLIGHT calls outstanding, no RxJS. */
async function poolLoop(pool: WorkerPool<EchoApi>, durationMs: number): Promise<Measurement> {
  const start = performance.now();
  const deadline = start + durationMs;
  let seq = 0;
  let done = 0;
  const lane = async () => {
    while (performance.now() < deadline) {
      await pool.run('echo', [{ seq: seq++ }]);
      done++;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  const seconds = (performance.now() - start) / 1000;
  return { variant: 'pool-run', items: done, seconds, itemsPerSecond: done / seconds };
}

/** The full operator path: pullFrom -> inPool(pool.run) with IN_FLIGHT concurrency. */
async function inPoolLoop(pool: WorkerPool<EchoApi>, durationMs: number): Promise<Measurement> {
  const start = performance.now();
  const deadline = start + durationMs;
  function* items() {
    for (let seq = 0; performance.now() < deadline; seq++) yield { seq };
  }
  let done = 0;
  await lastValueFrom(
    pullFrom(items()).pipe(
      inPool((item) => pool.run('echo', [item]), {
        concurrency: IN_FLIGHT,
        ordered: true,
        stage: 'bench-echo',
      }),
      tap(() => done++),
    ),
    { defaultValue: undefined },
  );
  const seconds = (performance.now() - start) / 1000;
  return { variant: 'inPool', items: done, seconds, itemsPerSecond: done / seconds };
}

async function runCase(_caseId: string, ctx: CaseContext): Promise<Measurement[]> {
  const durationMs = ctx.quick ? 1500 : 3000;
  const rounds = ctx.quick ? 1 : 2;
  const raw = await startRawWorkers();
  const pool = createPool<EchoApi>({ name: 'bench-echo', worker: workerPath('echo'), size: WORKERS });
  await pool.ready();
  const results: Measurement[] = [];
  try {
    // Warm-up (JIT, worker start-up), then alternate the variants so drift in machine load hits all.
    await rawLoop(raw, 1, 300);
    await inPoolLoop(pool, 300);
    for (let r = 0; r < rounds; r++) {
      for (const run of [
        () => rawLoop(raw, 1, durationMs),
        () => rawLoop(raw, IN_FLIGHT / WORKERS, durationMs),
        () => poolLoop(pool, durationMs),
        () => inPoolLoop(pool, durationMs),
      ]) {
        const m = await run();
        ctx.progress(`round ${r + 1}: ${m.variant} ${fmt(m.itemsPerSecond)} items/s`);
        results.push(m);
      }
    }
  } finally {
    await pool.terminate();
    await Promise.all(raw.map((w) => w.terminate()));
  }
  return results;
}

const LABELS: Record<Variant, string> = {
  'raw-1': 'hand-written worker_threads, 1 item in flight per worker (baseline)',
  'raw-pipelined': `hand-written worker_threads, ${IN_FLIGHT / WORKERS} items in flight per worker`,
  'pool-run': `WorkerPool.run (threads.js), ${IN_FLIGHT} calls outstanding, no RxJS`,
  inPool: `pullFrom -> inPool(pool.run), concurrency ${IN_FLIGHT}`,
};

export const coreOverhead: BenchDefinition = {
  name: 'core-overhead',
  title: 'Core overhead: inPool with a trivial task vs hand-written worker_threads',
  caseTimeoutMs: () => 120_000,
  runCase,
  summarize(data) {
    const all = data.main as Measurement[];
    const best = (v: Variant) => Math.max(...all.filter((m) => m.variant === v).map((m) => m.itemsPerSecond));
    const base = best('raw-1');
    const variants: Variant[] = ['raw-1', 'raw-pipelined', 'pool-run', 'inPool'];
    return {
      baseline: LABELS['raw-1'],
      tables: [
        {
          columns: ['variant', 'items/s (best round)', 'vs baseline', 'per-item cost (µs)'],
          rows: variants.map((v) => [LABELS[v], fmt(best(v)), ratio(best(v), base), fmt(1e6 / best(v))]),
        },
      ],
      notes: [
        `${WORKERS} workers in every variant; the task echoes a small object ({ seq }) back. This measures pure ` +
          'dispatch cost (message passing, promise plumbing, operator bookkeeping); real tasks take milliseconds, ' +
          'so the per-item cost is what matters: it is added once per frame or image.',
        'The pool runs one task per worker at a time (like the baseline), which is the fair comparison; the ' +
          'pipelined raw loop shows what batching several items per message round trip could gain.',
      ],
      data: all,
    };
  },
};
