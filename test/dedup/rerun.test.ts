import { mkdtempSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { openDatabase, type Database } from '../../src/db';
import { runDedupJob } from '../../src/pipelines/dedup/job';
import type { DedupProgress } from '../../src/pipelines/dedup/progress';
import { createPool, type WorkerPool } from '../../src/pools';
import { workerPath } from '../../src/util/paths';
import type { HashWorkerApi } from '../../workers/hash';
import { makeCorpus } from './corpus';

describe('runDedupJob re-runs: feature cache, pruning, result rows, progress', () => {
  let pool: WorkerPool<HashWorkerApi>;
  let database: Database;
  let root: string;

  beforeAll(async () => {
    pool = createPool<HashWorkerApi>({
      name: 'hash',
      worker: workerPath('hash'),
      size: 2,
      taskTimeoutMs: 30_000,
    });
    database = await openDatabase({ dataDir: ':memory:' });
    await database.migrate();
    root = path.join(mkdtempSync(path.join(os.tmpdir(), 'dedup-rerun-')), 'photos');
    await makeCorpus(root, ['fruits.jpg', 'home.jpg']);
  }, 120_000);

  afterAll(async () => {
    await pool.terminate();
    await database.close();
  });

  test('unchanged files come from the cache, changed ones are recomputed, deleted ones pruned', async () => {
    const events: DedupProgress[] = [];
    const first = await runDedupJob({
      root,
      pool,
      db: database.db,
      jobId: 'rerun',
      onProgress: (e) => events.push(e),
    });
    expect(first.stats.featuresComputed).toBe(16);
    expect(first.stats.featuresCached).toBe(0);
    // Every stage that ran reported its end, with counts matching the stats.
    const finished = new Map(events.filter((e) => e.finished).map((e) => [e.stage, e]));
    expect(finished.get('scan')?.done).toBe(16);
    expect(finished.get('features')?.done).toBe(16);
    expect(finished.get('group')?.done).toBe(2);

    const second = await runDedupJob({ root, pool, db: database.db, jobId: 'rerun' });
    expect(second.stats.featuresComputed).toBe(0);
    expect(second.stats.featuresCached).toBe(16);
    expect(second.report.groups.map((g) => g.members.length)).toEqual(
      first.report.groups.map((g) => g.members.length),
    );

    // Change one file (new content, new mtime), delete another.
    const changed = path.join(root, 'copies/q40/home.jpg');
    await sharp(path.join(root, 'originals/home.jpg'))
      .jpeg({ quality: 30 })
      .toFile(changed + '.tmp');
    await fs.rename(changed + '.tmp', changed);
    const future = new Date(Date.now() + 5000);
    await fs.utimes(changed, future, future);
    const deleted = path.join(root, 'copies/blur/fruits.jpg');
    await fs.unlink(deleted);

    const third = await runDedupJob({ root, pool, db: database.db, jobId: 'rerun' });
    expect(third.stats.featuresComputed).toBe(1);
    expect(third.stats.featuresCached).toBe(14);
    expect(third.stats.featuresPruned).toBe(1);
    const rows = await database.db.selectFrom('dedup_features').select('path').execute();
    expect(rows.map((r) => r.path)).not.toContain(deleted);
    expect(rows.map((r) => r.path)).toContain(changed);

    // Result rows: one run row per run, members with relative paths and one keeper per group.
    const runs = await database.db
      .selectFrom('dedup_runs')
      .selectAll()
      .where('job_id', '=', 'rerun')
      .execute();
    expect(runs).toHaveLength(3);
    const members = await database.db
      .selectFrom('dedup_members')
      .selectAll()
      .where('run_id', '=', third.runId!)
      .execute();
    expect(members).toHaveLength(third.report.groups.reduce((n, g) => n + g.members.length, 0));
    expect(members.every((m) => !m.rel_path.startsWith('/') && m.path === path.join(root, m.rel_path))).toBe(
      true,
    );
    const keepers = members
      .filter((m) => m.keeper)
      .map((m) => m.group_id)
      .sort();
    expect(keepers).toEqual(third.report.groups.map((g) => g.id).sort());
    expect(members.map((m) => m.path)).not.toContain(deleted);
  }, 180_000);

  test('a file merely excluded by a glob keeps its cache row', async () => {
    const res = await runDedupJob({
      root,
      pool,
      db: database.db,
      scan: { exclude: ['copies/**'] },
      saveResults: false,
    });
    expect(res.stats.files).toBe(2);
    expect(res.stats.featuresPruned).toBe(0);
    const count = await database.db
      .selectFrom('dedup_features')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst();
    expect(Number(count!.n)).toBe(15);
  }, 60_000);
});
