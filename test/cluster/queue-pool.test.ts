/**
 * The queue-backed hash pool and a serving worker in one process, on the real PostgreSQL and the real
 * hash worker: queued calls return what the local pool returns (typed arrays intact through the
 * queue), other methods stay local, a batch whose root a worker cannot see fails on every try and is
 * reported by name (feature batches) or verified locally (pair blocks), and the status counts it all.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type PgBoss from 'pg-boss';
import sharp from 'sharp';
import { openDatabase, type Database } from '../../src/db';
import { dedupSettingsSchema } from '../../src/config/schema/dedup-settings';
import { openDedupQueue } from '../../src/cluster/dedup/queue';
import { ClusterBatchError, queuePool, type QueuePool } from '../../src/cluster/dedup/queue-pool';
import { serveDedupQueue, type Serving } from '../../src/cluster/dedup/serve';
import { dedupQueueStatus } from '../../src/cluster/dedup/status';
import { createPool, type WorkerPool } from '../../src/pools';
import type { HashWorkerApi } from '../../src/pools/kinds';
import { workerPath } from '../../src/util/paths';
import { createTestDatabaseUrl, describePostgres, type TestDatabase } from '../helpers/postgres';
import { startCli } from '../faults/helpers/cli-process';

const settings = dedupSettingsSchema.parse({});

describePostgres('queuePool + serveDedupQueue', () => {
  jest.setTimeout(120_000);
  let testDb: TestDatabase;
  let boss: PgBoss;
  let local: WorkerPool<HashWorkerApi>;
  let serving: Serving;
  let database: Database;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rxvision-queue-pool-'));
  const file = path.join(dir, 'a.png');
  const pools: QueuePool[] = [];
  const remote = (root: string) => {
    const p = queuePool(local, boss, {
      root,
      batchesInFlight: 4,
      expireSeconds: 30,
      retryLimit: 1,
      pollMs: 100,
    });
    pools.push(p);
    return p;
  };

  beforeAll(async () => {
    testDb = await createTestDatabaseUrl('queue_pool');
    await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 40, b: 90 } } })
      .composite([
        {
          input: Buffer.alloc(16 * 16 * 3, 255),
          raw: { width: 16, height: 16, channels: 3 },
          left: 8,
          top: 8,
        },
      ])
      .png()
      .toFile(file);
    local = createPool<HashWorkerApi>({
      name: 'hash',
      worker: workerPath('hash'),
      size: 1,
      taskTimeoutMs: 30_000,
    });
    await local.ready();
    boss = await openDedupQueue(testDb.url, { maintenanceSeconds: 2 });
    serving = await serveDedupQueue(boss, local, { workerId: 'test-worker', concurrency: 2 });
    database = await openDatabase({ url: testDb.url });
  });

  afterAll(async () => {
    for (const p of pools) await p.close();
    await serving?.stop();
    await boss?.stop({ graceful: false, wait: true });
    await database?.close();
    await local?.terminate();
    await testDb?.drop();
  });

  test('a queued feature batch returns what the local pool returns', async () => {
    const [viaQueue] = await remote(dir).run('featuresBatch', [[file], settings.features]);
    const [direct] = await local.run('featuresBatch', [[file], settings.features]);
    expect(viaQueue.ok).toBe(true);
    expect(viaQueue).toEqual(direct);
    // (A tag check: jest's module realm has its own Float32Array constructor.)
    if (viaQueue.ok)
      expect(Object.prototype.toString.call(viaQueue.features.colour)).toBe('[object Float32Array]');
  });

  test('methods that are not queued run in the local pool', async () => {
    const before = (await dedupQueueStatus(database.db)).states.completed ?? 0;
    const hash = await remote(dir).run('contentHash', [file]);
    expect(hash).toBe(await local.run('contentHash', [file]));
    expect((await dedupQueueStatus(database.db)).states.completed ?? 0).toBe(before);
  });

  test('a batch whose root no worker sees fails every try and is reported by name', async () => {
    const missing = path.join(dir, 'not-mounted-here');
    const err = await remote(missing)
      .run('featuresBatch', [[path.join(missing, 'x.png')], settings.features], { identity: 'x.png' })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(ClusterBatchError);
    expect((err as ClusterBatchError).state).toBe('failed');
    expect((err as Error).message).toMatch(/x\.png.*not found on test-worker.*same absolute path/);
  });

  test('a block of pairs that fails every try is verified in this process', async () => {
    const missing = path.join(dir, 'not-mounted-either');
    const verdicts = await remote(missing).run('verifyPairs', [{ pairs: [], records: [] }, settings.verify]);
    expect(verdicts).toEqual([]);
  });

  test('closing the pool cancels its outstanding batches and rejects their calls', async () => {
    const pool = remote(dir);
    const call = pool.run('featuresBatch', [[file], settings.features]);
    await pool.close();
    await expect(call).rejects.toMatchObject({ name: 'ClusterBatchError', state: 'cancelled' });
    await expect(pool.run('features', [file, settings.features])).rejects.toThrow(/closed/);
  });

  test('status: batches per state and per worker', async () => {
    const status = await dedupQueueStatus(database.db);
    expect(status.installed).toBe(true);
    expect(status.states.completed).toBe(1);
    expect(status.states.failed).toBe(2);
    expect(status.states.cancelled).toBe(1);
    expect(status.workers).toEqual([
      { worker: 'test-worker', completed: 1, lastCompletedAt: expect.any(Date) as Date },
    ]);
  });

  test('pipeline cluster status shows the dedup queue (text and --json)', async () => {
    const file = path.join(dir, 'cluster.json');
    writeFileSync(file, JSON.stringify({ database: { url: testDb.url }, channels: [] }));
    const json = await startCli(['cluster', 'status', file, '--json'], dir).exited;
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.stdout) as { sections: Record<string, { states: Record<string, number> }> };
    expect(doc.sections['dedup queue'].states).toMatchObject({ completed: 1, failed: 2, cancelled: 1 });
    const text = await startCli(['cluster', 'status', file], dir).exited;
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('dedup queue');
    expect(text.stdout).toMatch(/test-worker: 1 batch\(es\) done/);
  });

  test('pipeline worker --metrics-port serves Prometheus metrics and stops on SIGTERM (exit 130)', async () => {
    const worker = startCli(
      [
        'worker',
        '--db-url',
        testDb.url,
        '--metrics-port',
        '0',
        '--id',
        'metrics-worker',
        '--concurrency',
        '1',
      ],
      dir,
    );
    await worker.waitFor(/metrics at http:\/\/\S+/, 60_000);
    const url = /metrics at (http:\/\/\S+)/.exec(worker.stderr())![1];
    const res = await fetch(url);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('# TYPE rxvision_dedup_worker_batches_total counter');
    expect(text).toContain('rxvision_dedup_worker_last_batch_timestamp_seconds');
    expect(text).toContain('process_resident_memory_bytes');
    expect(text).not.toContain(testDb.url);
    worker.kill('SIGTERM');
    expect((await worker.exited).code).toBe(130);
  });
});
