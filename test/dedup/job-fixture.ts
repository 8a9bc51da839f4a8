/**
 * Test helper: what the `runDedupJob` tests share — a `hash` worker pool (dist/workers/hash.js), an
 * in-memory PGlite database with every migration applied, and a corpus built by {@link makeCorpus}.
 *
 * ```ts
 * const fx = useDedupJobFixture('dedup-job', ['fruits.jpg', 'home.jpg']);
 * test('...', async () => { await runDedupJob({ root: fx.root, pool: fx.pool, db: fx.database.db }); });
 * ```
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type Database } from '../../src/db';
import { createPool, type WorkerPool } from '../../src/pools';
import { workerPath } from '../../src/util/paths';
import type { HashWorkerApi } from '../../workers/hash';
import { makeCorpus } from './corpus';

/** The shared set-up; its fields are set once the `beforeAll` hook has run. */
export interface DedupJobFixture {
  pool: WorkerPool<HashWorkerApi>;
  database: Database;
  /** A fresh temporary folder: the corpus is its `photos` folder; reports and moved files can go beside. */
  base: string;
  /** The corpus folder, `<base>/photos`. */
  root: string;
}

/**
 * Registers `beforeAll` (pool, database, corpus of `originals` and their copies in a temporary folder
 * named after `label`, then `prepare` for extra files) and `afterAll` (pool terminated, database
 * closed) hooks in the calling `describe`, and returns the fixture they fill in.
 */
export function useDedupJobFixture(
  label: string,
  originals: string[],
  prepare?: (root: string) => Promise<void>,
): DedupJobFixture {
  const fixture = {} as DedupJobFixture;
  beforeAll(async () => {
    fixture.pool = createPool<HashWorkerApi>({
      name: 'hash',
      worker: workerPath('hash'),
      size: 2,
      taskTimeoutMs: 30_000,
    });
    fixture.database = await openDatabase({ dataDir: ':memory:' });
    await fixture.database.migrate();
    fixture.base = mkdtempSync(path.join(os.tmpdir(), `${label}-`));
    fixture.root = path.join(fixture.base, 'photos');
    await makeCorpus(fixture.root, originals);
    await prepare?.(fixture.root);
  }, 120_000);
  afterAll(async () => {
    await fixture.pool?.terminate();
    await fixture.database?.close();
  });
  return fixture;
}
