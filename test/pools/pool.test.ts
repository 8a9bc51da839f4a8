/**
 * Real pools with real worker threads (dist/workers/echo.js: run `npx tsc -p tsconfig.json` first).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker as NodeWorker } from 'node:worker_threads';
import { firstValueFrom, filter, take, toArray } from 'rxjs';
import { metricsRegistry } from '../../src/metrics/registry';
import {
  createPool,
  PoolClosedError,
  PoolQueueFullError,
  TaskError,
  toTransferable,
  type PoolEvent,
  type WorkerPool,
} from '../../src/pools';
import { createThreadsWorker, spawnThread, threads } from '../../src/pools/threads';
import { workerPath } from '../../src/util/paths';
import type { EchoApi } from '../../workers/echo';
import type { BadInitApi } from '../../workers/testing/bad-init';

const ECHO = workerPath('echo');

beforeAll(() => {
  if (!existsSync(ECHO))
    throw new Error(`${ECHO} is missing: run "npx tsc -p tsconfig.json" before these tests`);
});

const open: WorkerPool<unknown>[] = [];
function echoPool(
  name: string,
  options: Partial<Parameters<typeof createPool>[0]> = {},
): WorkerPool<EchoApi> {
  const pool = createPool<EchoApi>({ name, worker: ECHO, size: 2, taskTimeoutMs: 20_000, ...options });
  open.push(pool as WorkerPool<unknown>);
  return pool;
}
/** A started pool whose tasks time out after 100 ms and whose workers count as stuck after `graceMs`. */
async function stuckPool(name: string, size: number, graceMs: number): Promise<WorkerPool<EchoApi>> {
  const pool = echoPool(name, { size, taskTimeoutMs: 100, onTimeout: 'abandon', abandonGraceMs: graceMs });
  await pool.ready();
  return pool;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.terminate()));
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

function nextEvent(pool: WorkerPool<EchoApi>, type: PoolEvent['type']): Promise<PoolEvent> {
  return firstValueFrom(pool.events$.pipe(filter((e) => e.type === type)));
}

describe('WorkerPool with real workers', () => {
  it('runs init once per worker with initArgs and passes workerData', async () => {
    const pool = echoPool('init-test', { initArgs: ['model.onnx', 7], workerData: { role: 'test' } });
    await pool.ready();
    const infos = await Promise.all([pool.run('info', []), pool.run('info', []), pool.run('info', [])]);
    for (const info of infos) {
      expect(info.initCalls).toEqual([['model.onnx', 7]]);
      expect(info.workerData).toEqual({ role: 'test' });
    }
    expect(pool.stats().workers).toBe(2);
  });

  it('returns results in the order of the calls, whatever order workers finish in', async () => {
    const pool = echoPool('order', { size: 2, concurrency: 2 });
    const delays = [120, 10, 80, 0, 40, 5, 60, 20];
    const results = await Promise.all(delays.map((ms, i) => pool.run('sleep', [ms, i])));
    expect(results.map((r) => r.tag)).toEqual(delays.map((_, i) => i));
    expect(new Set(results.map((r) => r.threadId)).size).toBe(2);
  });

  it('moves a transferred Float32Array to the worker: the sender buffer is detached', async () => {
    const pool = echoPool('transfer');
    const values = Float32Array.from({ length: 1000 }, (_, i) => i * 0.5);
    const expected = values.reduce((a, b) => a + b, 0);
    const buffer = toTransferable(values);
    expect(buffer.byteLength).toBe(4000);
    const sum = await pool.run('sum', [buffer], { transfer: [buffer] });
    expect(sum).toBeCloseTo(expected, 3);
    expect(buffer.byteLength).toBe(0);
    expect(values.length).toBe(0);
  });

  it('copies a slice once so the rest of its buffer stays usable', async () => {
    const pool = echoPool('transfer-slice');
    const whole = new Float32Array([1, 2, 3, 4, 5, 6]);
    const slice = whole.subarray(2, 5);
    const buffer = toTransferable(slice);
    expect(await pool.run('sum', [buffer], { transfer: [buffer] })).toBe(12);
    expect(buffer.byteLength).toBe(0);
    expect(Array.from(whole)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('receives results a worker transferred back', async () => {
    const pool = echoPool('transfer-back');
    const out = await pool.run('range', [6]);
    // Built in the worker, deserialised in Node's realm (not jest's), hence no instanceof.
    expect(Object.prototype.toString.call(out)).toBe('[object Float32Array]');
    expect(Array.from(out)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('rejects a throwing task with TaskError kind "failed" carrying pool, method, identity and cause', async () => {
    const pool = echoPool('failing');
    const error = await rejection(pool.run('fail', ['bad pixels'], { identity: 'cam1#frame42' }));
    expect(error).toBeInstanceOf(TaskError);
    const e = error as TaskError;
    expect(e).toMatchObject({ kind: 'failed', pool: 'failing', method: 'fail', identity: 'cam1#frame42' });
    expect(e.cause).toBe('bad pixels');
    expect(e.message).toContain('cam1#frame42');
    const asyncError = (await rejection(pool.run('failAsync', ['later']))) as TaskError;
    expect(asyncError.kind).toBe('failed');
    expect(asyncError.cause).toBe('later');
    expect(pool.stats()).toMatchObject({ failed: 2, restarts: 0 });
    expect(await pool.run('echo', ['still fine'])).toBe('still fine');
  });

  it('rejects a method the worker does not expose without touching the workers', async () => {
    const pool = echoPool('no-such-method');
    const error = (await rejection((pool as unknown as WorkerPool).run('nope', []))) as TaskError;
    expect(error.kind).toBe('failed');
    expect(error.cause).toContain('"nope"');
    expect(pool.stats().restarts).toBe(0);
  });

  it('replaces a worker that exits mid-task and retries the task once, then reports worker-died', async () => {
    const pool = echoPool('crashing');
    await pool.ready();
    const before = pool.workerIds();
    const error = (await rejection(pool.run('crash', [3], { identity: 'img/a.jpg' }))) as TaskError;
    expect(error).toBeInstanceOf(TaskError);
    expect(error).toMatchObject({ kind: 'worker-died', identity: 'img/a.jpg', method: 'crash' });
    expect(error.cause).toContain('code 3');
    const stats = pool.stats();
    expect(stats.retried).toBe(1);
    expect(stats.restarts).toBe(2);
    expect(stats.failed).toBe(1);
    // The pool goes on with fresh workers.
    expect(await pool.run('echo', [42])).toBe(42);
    await pool.ready();
    expect(pool.workerIds()).toHaveLength(2);
    expect(pool.workerIds()).not.toEqual(before);
  });

  it('succeeds when the retry lands on a healthy worker', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rxvision-pool-'));
    try {
      const pool = echoPool('crash-once', { size: 1 });
      const replaced = nextEvent(pool, 'worker-replaced');
      const result = await pool.run('crashOnce', [path.join(dir, 'marker')]);
      expect(result).toMatch(/^survived on \d+$/);
      expect((await replaced).type).toBe('worker-replaced');
      expect(pool.stats()).toMatchObject({ retried: 1, restarts: 1, failed: 0, completed: 1 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('retries a task whose worker was terminated from outside', async () => {
    const pool = echoPool('external-kill', { size: 1 });
    await pool.ready();
    const [victim] = pool.workerIds();
    const started = pool.run('sleep', [300, 'survivor']);
    // Wait until the task is on the worker, then kill that worker.
    while (pool.stats().active === 0) await new Promise((r) => setImmediate(r));
    expect(pool.killWorker(victim)).toBe(true);
    const result = await started;
    expect(result.tag).toBe('survivor');
    expect(pool.workerIds()).not.toContain(victim);
    expect(pool.stats()).toMatchObject({ retried: 1, restarts: 1, completed: 1 });
  });

  it('does not retry a task whose transferred buffers went with its dead worker', async () => {
    const pool = echoPool('transfer-crash', { size: 1 });
    const buffer = toTransferable(new Float32Array([1, 2]));
    const error = (await rejection(pool.run('crashHolding', [buffer], { transfer: [buffer] }))) as TaskError;
    expect(error.kind).toBe('worker-died');
    expect(error.cause).toContain('not retried');
    expect(pool.stats().retried).toBe(0);
  });

  it('times out a hanging task, replaces its worker and keeps serving', async () => {
    const pool = echoPool('hanging', { size: 1, taskTimeoutMs: 250 });
    await pool.ready();
    const [stuck] = pool.workerIds();
    const error = (await rejection(pool.run('hang', [], { identity: 'frame7' }))) as TaskError;
    expect(error).toMatchObject({ kind: 'timeout', identity: 'frame7', method: 'hang' });
    expect(await pool.run('echo', ['after'])).toBe('after');
    expect(pool.workerIds()).not.toContain(stuck);
    expect(pool.stats()).toMatchObject({ failed: 1, restarts: 1, completed: 1 });
  });

  it('times out a thread blocked in synchronous code (like a stuck native call)', async () => {
    const pool = echoPool('blocked', { size: 1 });
    const error = (await rejection(pool.run('block', [60_000], { timeoutMs: 250 }))) as TaskError;
    expect(error.kind).toBe('timeout');
    expect(await pool.run('echo', [1])).toBe(1);
  });

  it('re-runs the other tasks of a worker that was replaced after a timeout', async () => {
    const pool = echoPool('timeout-neighbours', { size: 1, concurrency: 2 });
    const hung = pool.run('hang', [], { timeoutMs: 300 });
    const neighbour = pool.run('sleep', [1_000, 'neighbour']);
    expect(((await rejection(hung)) as TaskError).kind).toBe('timeout');
    expect((await neighbour).tag).toBe('neighbour');
    expect(pool.stats().retried).toBe(1);
  });

  it('treats an uncaught exception in a worker as a dead worker', async () => {
    const pool = echoPool('uncaught', { size: 1 });
    const replaced = nextEvent(pool, 'worker-replaced');
    expect(await pool.run('uncaught', [])).toBe('answered');
    const event = await replaced;
    expect(event).toMatchObject({ type: 'worker-replaced', pool: 'uncaught' });
    expect((event as { reason: string }).reason).toContain('boom outside a task');
    expect(await pool.run('echo', ['next'])).toBe('next');
  });

  it('never runs more than `concurrency` tasks per worker, and uses that much', async () => {
    const pool = echoPool('bounded', { size: 2, concurrency: 2 });
    await pool.ready();
    const runs = Array.from({ length: 12 }, (_, i) => pool.run('sleep', [150, i]));
    const maxActive = Math.max(...(await sampleWhile(() => pool.stats().active, Promise.all(runs))));
    const results = await Promise.all(runs);
    expect(Math.max(...results.map((r) => r.maxConcurrent))).toBe(2);
    expect(maxActive).toBeLessThanOrEqual(4);
    expect(maxActive).toBeGreaterThan(2);
  });

  it('runs one task at a time per worker by default', async () => {
    const pool = echoPool('serial', { size: 1 });
    const results = await Promise.all([0, 1, 2, 3].map((i) => pool.run('sleep', [30, i])));
    expect(results.every((r) => r.maxConcurrent === 1)).toBe(true);
  });

  it('counts completed, failed, queued and latency in stats and in the metrics registry', async () => {
    const pool = echoPool('counted', { size: 1 });
    const tasks = [pool.run('sleep', [20]), pool.run('sleep', [20]), pool.run('echo', [1])];
    expect(pool.stats().queued + pool.stats().active).toBe(3);
    await Promise.all(tasks);
    await rejection(pool.run('fail', ['x']));
    const stats = pool.stats();
    expect(stats).toMatchObject({
      name: 'counted',
      size: 1,
      workers: 1,
      queued: 0,
      active: 0,
      completed: 3,
      failed: 1,
    });
    expect(stats.latency.p50).toBeGreaterThan(0);
    expect(stats.latency.p99).toBeGreaterThanOrEqual(stats.latency.p50);
    expect(stats.latency.p99).toBeGreaterThanOrEqual(20);
    const metrics = await metricsRegistry.getMetricsAsJSON();
    const value = (name: string) =>
      metrics
        .find((m) => m.name === name)
        ?.values.find((v) => v.labels.pool === 'counted' && !('le' in v.labels))?.value;
    expect(value('rxvision_pool_completed_total')).toBe(3);
    expect(value('rxvision_pool_failed_total')).toBe(1);
    expect(value('rxvision_pool_queued')).toBe(0);
    const histogram = metrics.find((m) => m.name === 'rxvision_pool_task_seconds');
    const count = histogram?.values.find(
      (v) => v.labels.pool === 'counted' && (v as { metricName?: string }).metricName?.endsWith('_count'),
    );
    expect(count?.value).toBe(3);
  });

  it('rejects with PoolQueueFullError beyond maxQueued', async () => {
    const pool = echoPool('full', { size: 1, maxQueued: 2 });
    await pool.ready();
    const running = pool.run('sleep', [100]);
    while (pool.stats().active === 0) await new Promise((r) => setImmediate(r));
    const queued = [pool.run('echo', [1]), pool.run('echo', [2])];
    expect(await rejection(pool.run('echo', [3]))).toBeInstanceOf(PoolQueueFullError);
    expect(await Promise.all(queued)).toEqual([1, 2]);
    await running;
  });

  it('terminate rejects queued tasks and refuses new ones', async () => {
    const pool = echoPool('closing', { size: 1 });
    await pool.ready();
    const running = rejection(pool.run('sleep', [5_000]));
    const queued = rejection(pool.run('echo', ['never']));
    const events = firstValueFrom(pool.events$.pipe(toArray()));
    await pool.terminate();
    expect(((await running) as TaskError).kind).toBe('worker-died');
    expect(await queued).toBeInstanceOf(PoolClosedError);
    expect(await rejection(pool.run('echo', [1]))).toBeInstanceOf(PoolClosedError);
    await events; // events$ completes on terminate
    await pool.terminate(); // idempotent
  });

  it('drain waits for queued and running tasks', async () => {
    const pool = echoPool('draining', { size: 1 });
    const done: number[] = [];
    for (let i = 0; i < 3; i++) void pool.run('sleep', [10, i]).then((r) => done.push(r.tag as number));
    await pool.drain();
    expect(done).toEqual([0, 1, 2]);
  });

  it('gives up on a worker whose init keeps failing and rejects its tasks', async () => {
    const pool = createPool<BadInitApi>({
      name: 'bad-init',
      worker: workerPath('testing/bad-init'),
      size: 1,
      initArgs: ['no model'],
      maxStartFailures: 2,
    });
    open.push(pool as WorkerPool<unknown>);
    const failures = firstValueFrom(
      pool.events$.pipe(
        filter((e) => e.type === 'worker-start-failed'),
        take(2),
        toArray(),
      ),
    );
    const task = pool.run('echo', ['x']);
    const readyError = await rejection(pool.ready());
    expect(readyError).toBeInstanceOf(PoolClosedError);
    expect((readyError as Error).message).toContain('init refused: no model');
    expect(((await rejection(task)) as TaskError).kind).toBe('worker-died');
    expect(await failures).toHaveLength(2);
    expect(await rejection(pool.run('echo', ['y']))).toBeInstanceOf(PoolClosedError);
  });

  it('reports a worker that throws while loading', async () => {
    const pool = createPool({
      name: 'throws-on-load',
      worker: workerPath('testing/throws-on-load'),
      size: 1,
      maxStartFailures: 1,
    });
    open.push(pool);
    const error = (await rejection(pool.ready())) as Error;
    expect(error).toBeInstanceOf(PoolClosedError);
    expect(error.message).toContain('cannot load native library libfake.so');
  });

  it('reports a missing worker file by path', async () => {
    const missing = path.join(tmpdir(), 'rxvision-no-such-worker.js');
    const pool = createPool({ name: 'missing', worker: missing, size: 1, maxStartFailures: 1 });
    open.push(pool);
    const error = (await rejection(pool.ready())) as Error;
    expect(error.message).toContain(missing);
  });

  it('validates its options', () => {
    expect(() => createPool({ name: 'x', worker: ECHO, size: 0 })).toThrow(/size must be a positive integer/);
    expect(() => createPool({ name: 'x', worker: ECHO, size: 1, concurrency: 0 })).toThrow(/concurrency/);
    expect(() => createPool({ name: 'x', worker: ECHO, size: 1, taskTimeoutMs: 0 })).toThrow(/taskTimeoutMs/);
    expect(() =>
      createPool({ name: 'x', worker: ECHO, size: 1, onTimeout: 'kill' as unknown as 'abandon' }),
    ).toThrow(/onTimeout must be one of terminate, abandon, got kill/);
    expect(() => createPool({ name: 'x', worker: ECHO, size: 1, abandonGraceMs: -1 })).toThrow(
      /abandonGraceMs/,
    );
  });
});

describe("onTimeout: 'abandon' (workers running onnxruntime must not be terminated mid-call)", () => {
  it('rejects the timed-out call at once, keeps the worker, and serves the next task on the same thread', async () => {
    const pool = echoPool('abandon', { size: 1, taskTimeoutMs: 200, onTimeout: 'abandon' });
    await pool.ready();
    expect(pool.onTimeout).toBe('abandon');
    const ids = pool.workerIds();
    const thread = await pool.run('threadId', []);
    const events: PoolEvent[] = [];
    pool.events$.subscribe((e) => events.push(e));

    // The worker blocks synchronously (like a long onnxruntime call) for far longer than the timeout.
    const error = (await rejection(pool.run('block', [1_500], { identity: 'frame9' }))) as TaskError;
    expect(error).toBeInstanceOf(TaskError);
    expect(error).toMatchObject({ kind: 'timeout', identity: 'frame9', method: 'block' });
    // Answered while the worker is still inside the call: it is out of rotation, not terminated.
    expect(pool.stats()).toMatchObject({ timedOut: 1, abandoned: 1, workers: 0, failed: 1, restarts: 0 });
    expect(pool.workerIds()).toEqual(ids);
    expect(events.map((e) => e.type)).toEqual(['task-abandoned']);

    // A task sent now waits for the worker to come back, then runs on the very same thread.
    expect(await pool.run('threadId', [])).toBe(thread);
    expect(await pool.run('echo', ['later'])).toBe('later');
    expect(events.map((e) => e.type)).toEqual(['task-abandoned', 'worker-returned']);
    expect(events[1]).toMatchObject({ workerId: ids[0] });
    expect(pool.workerIds()).toEqual(ids);
    // The late 'unblocked' result was discarded: only the three answered calls count as completed.
    expect(pool.stats()).toMatchObject({
      timedOut: 1,
      abandoned: 0,
      stuck: 0,
      workers: 1,
      completed: 3,
      failed: 1,
      restarts: 0,
    });
    const metrics = await metricsRegistry.getMetricsAsJSON();
    const timeouts = metrics
      .find((m) => m.name === 'rxvision_pool_timeouts_total')
      ?.values.find((v) => v.labels.pool === 'abandon');
    expect(timeouts?.value).toBe(1);
  });

  it('keeps serving on the other workers while one finishes an abandoned task', async () => {
    const pool = echoPool('abandon-two', { size: 2, taskTimeoutMs: 200, onTimeout: 'abandon' });
    await pool.ready();
    const slow = rejection(pool.run('block', [1_500]));
    expect(((await slow) as TaskError).kind).toBe('timeout');
    expect(pool.stats()).toMatchObject({ abandoned: 1, workers: 1 });
    const answers = await Promise.all([1, 2, 3].map((i) => pool.run('echo', [i])));
    expect(answers).toEqual([1, 2, 3]);
    await pool.drain(); // waits for the abandoned task too
    expect(pool.stats()).toMatchObject({ abandoned: 0, workers: 2, restarts: 0 });
  });

  it('replaces a worker that outlives the grace period, without terminating it', async () => {
    const pool = await stuckPool('stuck', 2, 200);
    const before = pool.workerIds();
    const stuckEvent = nextEvent(pool, 'worker-stuck');
    const started = nextEvent(pool, 'worker-started');
    const error = (await rejection(pool.run('hang', []))) as TaskError;
    expect(error.kind).toBe('timeout');
    const event = (await stuckEvent) as Extract<PoolEvent, { type: 'worker-stuck' }>;
    expect(event).toMatchObject({ pool: 'stuck', method: 'hang' });
    expect(event.busyMs).toBeGreaterThanOrEqual(200);
    // A new worker takes its place: the pool serves with its full size again.
    const replacement = (await started) as Extract<PoolEvent, { type: 'worker-started' }>;
    expect(before).not.toContain(replacement.workerId);
    expect(pool.workerIds()).toHaveLength(2);
    expect(pool.workerIds()).not.toContain(event.workerId);
    expect(pool.stats()).toMatchObject({ stuck: 1, abandoned: 1, workers: 2, restarts: 0 });
    await pool.drain(); // does not wait for a stuck worker
    expect(await pool.run('echo', ['still served'])).toBe('still served');
    // This worker is stuck in plain JavaScript, where terminating it is safe: clean up (no new replacement).
    expect(pool.killWorker(event.workerId)).toBe(true);
    while (pool.stats().stuck > 0) await new Promise((r) => setTimeout(r, 10));
    expect(pool.stats()).toMatchObject({ stuck: 0, abandoned: 0, workers: 2 });
    expect(pool.workerIds()).toHaveLength(2);
  });

  it('terminates a replaced stuck worker once its call returns', async () => {
    const pool = await stuckPool('stuck-returns', 1, 150);
    const [first] = pool.workerIds();
    const stuckEvent = nextEvent(pool, 'worker-stuck');
    expect(((await rejection(pool.run('block', [800]))) as TaskError).kind).toBe('timeout');
    await stuckEvent;
    // The replacement serves while the old thread is still blocked.
    expect(await pool.run('echo', ['served'])).toBe('served');
    const [second] = pool.workerIds();
    expect(second).not.toBe(first);
    // Once the blocked call returns, the old worker is terminated instead of serving again.
    while (pool.stats().stuck > 0) await new Promise((r) => setTimeout(r, 20));
    expect(pool.workerIds()).toEqual([second]);
    expect(pool.stats()).toMatchObject({ workers: 1, abandoned: 0, restarts: 0 });
  });

  it('does not terminate a busy worker when the pool closes, but once its call returns', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rxv-abandon-'));
    try {
      const marker = path.join(dir, 'returned');
      const pool = echoPool('abandon-close', { size: 1, onTimeout: 'abandon' });
      await pool.ready();
      const busy = rejection(pool.run('blockThenMark', [600, marker]));
      while (pool.stats().active === 0) await new Promise((r) => setImmediate(r));
      await pool.terminate();
      expect(((await busy) as TaskError).kind).toBe('worker-died');
      // The thread was left to finish the call (a terminate would have cut it before the marker).
      for (let i = 0; i < 100 && !existsSync(marker); i++) await new Promise((r) => setTimeout(r, 50));
      expect(existsSync(marker)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("keeps the 'terminate' policy by default: the worker is replaced", async () => {
    const pool = echoPool('terminate-default', { size: 1, taskTimeoutMs: 200 });
    await pool.ready();
    expect(pool.onTimeout).toBe('terminate');
    const [before] = pool.workerIds();
    const replaced = nextEvent(pool, 'worker-replaced');
    expect(((await rejection(pool.run('block', [60_000]))) as TaskError).kind).toBe('timeout');
    expect(await replaced).toMatchObject({ workerId: before });
    expect(await pool.run('echo', [1])).toBe(1);
    expect(pool.workerIds()).not.toContain(before);
    expect(pool.stats()).toMatchObject({ timedOut: 1, abandoned: 0, restarts: 1 });
  });
});

describe('threads.js integration', () => {
  it('creates workers threads.js does not keep a reference to (its Worker class keeps them all)', async () => {
    const worker = createThreadsWorker(ECHO);
    try {
      expect(worker).toBeInstanceOf(NodeWorker);
      expect(worker).not.toBeInstanceOf(threads().Worker);
      const thread = await spawnThread(worker, 10_000).thread;
      expect(await thread.echo('spawned')).toBe('spawned');
    } finally {
      await worker.terminate();
    }
  });

  it('fails at once, naming the path, for a missing worker file', () => {
    const missing = path.join(tmpdir(), 'rxvision-no-such-worker.js');
    expect(() => createThreadsWorker(missing)).toThrow(missing);
  });
});

/** Samples `read()` on every macrotask until `until` settles. */
async function sampleWhile(read: () => number, until: Promise<unknown>): Promise<number[]> {
  let done = false;
  void until.finally(() => (done = true));
  const samples: number[] = [];
  while (!done) {
    samples.push(read());
    await new Promise((r) => setTimeout(r, 1));
  }
  return samples;
}
