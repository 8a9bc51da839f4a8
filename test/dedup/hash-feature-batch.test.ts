/**
 * The dedup job's feature batch (files whose features are requested from the hash pool at once): the
 * job's `featureBatch` when given, else the auto-configured `batches.dedupFeatures`, spread over the
 * pooled calls in flight (`featuresBatch`, several files per call). A stand-in pool records how many files
 * are in flight at most.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FeatureResult } from '../../src/kernels/features/types';
import { runDedupJob } from '../../src/pipelines/dedup/job';
import { autoConfigure } from '../../src/pools/autoconfig';
import type { HashWorkerApi } from '../../src/pools/kinds';
import type { WorkerPool } from '../../src/pools/pool';
import { configurePools } from '../../src/pools/registry';

const FILES = 40;

/** A hash pool that answers `features` / `featuresBatch` with skips after a short wait, counting files in flight. */
function countingPool(): { pool: WorkerPool<HashWorkerApi>; maxInFlight: () => number } {
  let inFlight = 0;
  let max = 0;
  const skipped = (file: string): FeatureResult => ({
    ok: false,
    skipped: { path: file, reason: 'corrupt', detail: `${file}: stand-in` },
  });
  const run = async (method: string, args: unknown[]): Promise<FeatureResult | FeatureResult[]> => {
    if (method !== 'features' && method !== 'featuresBatch') throw new Error(`unexpected ${method}`);
    const files = method === 'features' ? [args[0] as string] : (args[0] as string[]);
    inFlight += files.length;
    max = Math.max(max, inFlight);
    await new Promise((resolve) => setTimeout(resolve, 5));
    inFlight -= files.length;
    return method === 'features' ? skipped(files[0]) : files.map(skipped);
  };
  return { pool: { size: 1, run } as unknown as WorkerPool<HashWorkerApi>, maxInFlight: () => max };
}

let root: string;
beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'dedup-feature-batch-'));
  // Distinct sizes: no exact-duplicate candidates, so only `features` reaches the pool.
  for (let i = 0; i < FILES; i++) writeFileSync(path.join(root, `f${i}.jpg`), Buffer.alloc(100 + i, 1));
});
afterAll(() => configurePools(undefined));

test('featureBatch bounds the features requested at once', async () => {
  const { pool, maxInFlight } = countingPool();
  const result = await runDedupJob({ root, pool, featureBatch: 3 });
  expect(result.stats.skipped).toBe(FILES);
  // 3 files over the stage's 2 calls in flight (one hash worker): one file per call.
  expect(maxInFlight()).toBe(2);
});

test('without featureBatch, the auto-configured dedupFeatures batch applies', async () => {
  const machine = { cpus: 2, totalMemBytes: 24 * 1024 ** 3, freeMemBytes: 20 * 1024 ** 3, platform: 'linux' };
  const auto = autoConfigure(machine);
  expect(auto.batches.dedupFeatures.size).toBe(16); // 8 per hash worker, 2 workers
  configurePools(undefined, auto);
  const { pool, maxInFlight } = countingPool();
  await runDedupJob({ root, pool });
  expect(maxInFlight()).toBe(16); // one worker: 2 calls in flight, 8 files each
});
