import { mkdtempSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type Database } from '../../src/db';
import { runDedupJob } from '../../src/pipelines/dedup/job';
import { createPool, type WorkerPool } from '../../src/pools';
import { workerPath } from '../../src/util/paths';
import type { HashWorkerApi } from '../../workers/hash';
import { makeBadFiles, makeCorpus } from './corpus';

describe('runDedupJob (hash worker pool, PGlite feature cache)', () => {
  let pool: WorkerPool<HashWorkerApi>;
  let database: Database;
  let base: string;
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
    base = mkdtempSync(path.join(os.tmpdir(), 'dedup-job-'));
    root = path.join(base, 'photos');
    await makeCorpus(root, ['fruits.jpg', 'home.jpg', 'squirrel_cls.jpg']);
    await makeBadFiles(path.join(root, 'bad'));
    // A byte-identical copy (stage 0) of an original and of a file nothing else resembles.
    await fs.copyFile(path.join(root, 'originals/home.jpg'), path.join(root, 'home-copy.jpg'));
  }, 120_000);

  afterAll(async () => {
    await pool.terminate();
    await database.close();
  });

  test('groups, reports and a confirmed move with undo log; second run reuses the cache', async () => {
    const out = path.join(base, 'report');
    const first = await runDedupJob({
      root,
      out,
      pool,
      db: database.db,
      settings: {
        actions: {
          action: 'move',
          targetDir: path.join(base, 'dups'),
          confirm: false,
          keeperOrder: ['resolution', 'size', 'oldest'],
        },
      },
    });
    expect(first.stats.exactGroups).toBe(1);
    expect(first.stats.featuresComputed).toBe(3 * 8 + 4); // the exact copy is not decoded
    const groups = first.report.groups.map((g) => g.members.map((m) => m.path).sort());
    expect(groups).toHaveLength(3);
    const home = groups.find((g) => g.includes('originals/home.jpg'))!;
    expect(home).toContain('home-copy.jpg');
    expect(home).toHaveLength(9);
    expect(first.report.skipped.map((s) => s.reason).sort()).toEqual([
      'corrupt',
      'empty-file',
      'not-an-image',
      'too-many-pixels',
    ]);
    expect(first.outcomes.every((o) => o.status === 'dry-run')).toBe(true);
    const json = JSON.parse(await fs.readFile(path.join(out, 'report.json'), 'utf8'));
    expect(json.groups[0].members[0].path.startsWith('/')).toBe(false);
    await expect(fs.access(path.join(out, 'report.html'))).resolves.toBeUndefined();
    await expect(fs.access(path.join(out, 'report.csv'))).resolves.toBeUndefined();

    const second = await runDedupJob({
      root,
      out,
      pool,
      db: database.db,
      settings: {
        actions: {
          action: 'move',
          targetDir: path.join(base, 'dups'),
          confirm: true,
          keeperOrder: ['resolution', 'size', 'oldest'],
        },
      },
    });
    expect(second.stats.featuresCached).toBe(3 * 8);
    expect(second.stats.featuresComputed).toBe(4); // only the bad files are retried
    expect(second.outcomes.filter((o) => o.status === 'done')).toHaveLength(3 * 8 + 1 - 3);
    const undo = (await fs.readFile(path.join(out, 'undo.jsonl'), 'utf8')).trim().split('\n');
    expect(undo).toHaveLength(3 * 8 + 1 - 3);
    for (const g of second.report.groups) {
      await expect(fs.access(path.join(root, g.keeper))).resolves.toBeUndefined();
    }
  }, 180_000);
});
