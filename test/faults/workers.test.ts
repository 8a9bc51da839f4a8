/**
 * Worker faults: a worker that crashes under several tasks, and tasks that hang. A crashed worker is
 * replaced and only the task that crashed it is lost (and reported); a hung task in a pool whose workers
 * hold no onnxruntime gets its thread terminated and replaced (no thread leaked per timeout); a worker
 * that declared onnxruntime is left to finish instead (terminating it would abort the process).
 */
import { readdirSync } from 'node:fs';
import { firstValueFrom, filter, toArray, take, type Observable } from 'rxjs';
import type { EchoApi } from '../../workers/echo';
import { createPool, type PoolEvent, type WorkerPool } from '../../src/pools/pool';
import { closeAllPools, getPool } from '../../src/pools/registry';
import { TaskError } from '../../src/pools/errors';
import { workerPath } from '../../src/util/paths';

const ECHO = workerPath('echo');

/** Threads of this process now (Linux): worker threads that were not terminated stay in this count. */
const threadCount = () => readdirSync('/proc/self/task').length;

async function until(condition: () => boolean, what: string, limitMs = 20_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function collect(events$: Observable<PoolEvent>, type: PoolEvent['type']): PoolEvent[] {
  const seen: PoolEvent[] = [];
  events$.pipe(filter((e) => e.type === type)).subscribe((e) => seen.push(e));
  return seen;
}

describe('a worker crashing', () => {
  let pool: WorkerPool<EchoApi>;
  afterEach(() => pool?.terminate());

  it('is replaced; the tasks beside the crashing one are re-run alone and succeed, the crashing one is lost and reported', async () => {
    pool = createPool<EchoApi>({ name: 'faults-crash', worker: ECHO, size: 1, concurrency: 4 });
    await pool.ready();
    const replaced = collect(pool.events$, 'worker-replaced');
    const retried = collect(pool.events$, 'task-retried');
    const sleeps = [1, 2, 3].map((tag) => pool.run('sleep', [800, tag], { identity: `sleep-${tag}` }));
    const crash = pool.run('crash', [7], { identity: 'poison' });
    const outcomes = await Promise.allSettled([...sleeps, crash]);

    // Every task that did not crash the worker completes (each on its retry, alone on a fresh worker).
    for (const [i, o] of outcomes.slice(0, 3).entries()) {
      expect(o.status).toBe('fulfilled');
      expect((o as PromiseFulfilledResult<{ tag: unknown; maxConcurrent: number }>).value).toMatchObject({
        tag: i + 1,
        maxConcurrent: 1,
      });
    }
    // The crashing task: retried once alone, crashed again, rejected with the reason.
    const lost = outcomes[3] as PromiseRejectedResult;
    expect(lost.status).toBe('rejected');
    expect(lost.reason).toBeInstanceOf(TaskError);
    expect(lost.reason).toMatchObject({ kind: 'worker-died', identity: 'poison' });
    expect(String(lost.reason.message)).toMatch(/exited with code 7/);
    expect(replaced.map((e) => (e as { lostTasks: number }).lostTasks)).toEqual([4, 1]);
    expect(retried).toHaveLength(4);
    expect(pool.stats()).toMatchObject({ completed: 3, failed: 1, retried: 4, restarts: 2 });
    expect(await pool.run('echo', ['still serving'])).toBe('still serving');
    expect(pool.stats().workers).toBe(1);
  });
});

describe('a task hanging', () => {
  afterEach(() => closeAllPools());

  it("in the shared 'hash' pool (no onnxruntime loaded): the hung worker is terminated and replaced, no thread leaks", async () => {
    // The hash kind's default policy, with the echo worker standing in for the hash worker.
    const pool = getPool<EchoApi>('hash', { worker: ECHO, size: 1, taskTimeoutMs: 300 });
    expect(pool.onTimeout).toBe('terminate');
    await pool.ready();
    const baseline = threadCount();
    const replaced = collect(pool.events$, 'worker-replaced');
    const hangs = 5;
    for (let i = 0; i < hangs; i++) {
      const hung = pool.run('block', [600_000], { identity: `hung-${i}` });
      await expect(hung).rejects.toMatchObject({ kind: 'timeout', identity: `hung-${i}` });
    }
    expect(await pool.run('echo', ['after the hangs'])).toBe('after the hangs');
    expect(replaced).toHaveLength(hangs);
    // The terminated threads are gone: the process has as many threads as before the hangs.
    await until(() => threadCount() <= baseline, `threads back to ${baseline} (now ${threadCount()})`);
    expect(pool.stats()).toMatchObject({ workers: 1, timedOut: hangs, abandoned: 0, stuck: 0 });
  });

  it('in a worker that declared onnxruntime: left to finish out of rotation (never terminated mid-call)', async () => {
    const pool = createPool<EchoApi>({ name: 'faults-ort', worker: ECHO, size: 1, taskTimeoutMs: 300 });
    const thread = await pool.run('declareNative', ['onnxruntime (test)']);
    const returned = firstValueFrom(
      pool.events$.pipe(
        filter((e) => e.type === 'worker-returned'),
        take(1),
        toArray(),
      ),
    );
    const replaced = collect(pool.events$, 'worker-replaced');
    await expect(pool.run('block', [1500])).rejects.toMatchObject({ kind: 'timeout' });
    expect(pool.stats().abandoned).toBe(1);
    await returned;
    expect(replaced).toHaveLength(0);
    expect(await pool.run('threadId', [])).toBe(thread); // the same thread, back in rotation
    await pool.terminate();
  });
});
