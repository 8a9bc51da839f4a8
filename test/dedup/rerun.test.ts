import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import * as cacheModule from '../../src/pipelines/dedup/cache';
import { runDedupJob, type DedupJobResult } from '../../src/pipelines/dedup/job';
import type { DedupProgress } from '../../src/pipelines/dedup/progress';
import { defaultDedupSettings } from '../../src/config/schema/dedup-settings';
import { useDedupJobFixture } from './job-fixture';

describe('runDedupJob re-runs: feature cache, pruning, result rows, progress', () => {
  const fx = useDedupJobFixture('dedup-rerun', ['fruits.jpg', 'home.jpg']);

  test('unchanged files come from the cache, changed ones are recomputed, deleted ones pruned', async () => {
    const { pool, database, root } = fx;
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
    const { pool, database, root } = fx;
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

describe('cached re-runs give exactly the results of a cold run on the same files', () => {
  const fx = useDedupJobFixture('dedup-rerun-equal', ['fruits.jpg', 'home.jpg', 'baboon.jpg']);
  afterAll(() => jest.restoreAllMocks());

  type Settings = Parameters<typeof runDedupJob>[0]['settings'];
  /** No database: every feature computed, every candidate verified. */
  const cold = (settings?: Settings) =>
    runDedupJob({ root: fx.root, pool: fx.pool, settings, saveResults: false });
  const warm = (settings?: Settings) =>
    runDedupJob({ root: fx.root, pool: fx.pool, db: fx.database.db, settings, saveResults: false });
  const results = (r: DedupJobResult) => ({
    groups: r.report.groups,
    skipped: r.report.skipped,
    files: r.stats.files,
    verified: r.stats.verified,
  });
  const groupOf = (r: DedupJobResult, rel: string) =>
    r.report.groups.find((g) => g.members.some((m) => m.path === rel))?.members.map((m) => m.path);

  test('first run, unchanged re-run, added, deleted and modified files, changed verification settings', async () => {
    const { database, root } = fx;
    const first = await warm();
    let reference = await cold();
    expect(results(first)).toEqual(results(reference));
    expect(first.report.groups).toHaveLength(3);
    expect(first.stats.featuresComputed).toBe(24);

    // Unchanged: nothing computed or verified, no full feature record read.
    const fullReads = jest.spyOn(cacheModule, 'readCachedRows');
    const same = await warm();
    expect(fullReads).not.toHaveBeenCalled();
    fullReads.mockRestore();
    expect(same.stats).toMatchObject({ featuresComputed: 0, featuresCached: 24, candidates: 0 });
    expect(same.stats.reused).toBe(reference.stats.verified);
    expect(results(same)).toEqual(results(reference));

    // Rows cached before digests existed: read in full once, their digests filled in.
    await database.db.updateTable('dedup_features').set({ feature_digest: null }).execute();
    const legacy = await warm();
    expect(results(legacy)).toEqual(results(reference));
    expect(legacy.stats).toMatchObject({ featuresComputed: 0, featuresCached: 24, candidates: 0 });
    const undigested = await database.db
      .selectFrom('dedup_features')
      .select('path')
      .where('feature_digest', 'is', null)
      .execute();
    expect(undigested).toEqual([]);

    // One near-duplicate added: only its candidate pairs are verified.
    await sharp(path.join(root, 'originals/fruits.jpg'))
      .resize(300)
      .jpeg({ quality: 85 })
      .toFile(path.join(root, 'added-fruits.jpg'));
    const before = reference;
    const added = await warm();
    reference = await cold();
    expect(results(added)).toEqual(results(reference));
    expect(added.stats.featuresComputed).toBe(1);
    expect(added.stats.candidates).toBe(reference.stats.candidates - before.stats.candidates);
    expect(added.stats.candidates).toBeGreaterThan(0);
    expect(groupOf(added, 'added-fruits.jpg')).toContain('originals/fruits.jpg');

    // One file deleted: it leaves its group; nothing is verified.
    await fs.unlink(path.join(root, 'copies/blur/home.jpg'));
    const deleted = await warm();
    reference = await cold();
    expect(results(deleted)).toEqual(results(reference));
    expect(deleted.stats).toMatchObject({ featuresComputed: 0, featuresPruned: 1, candidates: 0 });
    expect(deleted.report.groups.flatMap((g) => g.members.map((m) => m.path))).not.toContain(
      'copies/blur/home.jpg',
    );
    expect(groupOf(deleted, 'originals/home.jpg')).toHaveLength(7);

    // One file modified: a baboon copy becomes a fruits picture and changes groups.
    const modified = path.join(root, 'copies/q40/baboon.jpg');
    await sharp(path.join(root, 'originals/fruits.jpg'))
      .jpeg({ quality: 55 })
      .toFile(modified + '.tmp');
    await fs.rename(modified + '.tmp', modified);
    const later = new Date(Date.now() + 5000);
    await fs.utimes(modified, later, later);
    const changed = await warm();
    reference = await cold();
    expect(results(changed)).toEqual(results(reference));
    expect(changed.stats.featuresComputed).toBe(1);
    expect(changed.stats.candidates).toBeGreaterThan(0);
    expect(changed.stats.candidates).toBeLessThan(reference.stats.candidates);
    expect(groupOf(changed, 'copies/q40/baboon.jpg')).toContain('originals/fruits.jpg');
    expect(groupOf(changed, 'originals/baboon.jpg')).not.toContain('copies/q40/baboon.jpg');

    // A verification setting changed: every candidate verified again, nothing reused.
    const strict: Settings = { verify: { ...defaultDedupSettings().verify, minStructure: 0.9 } };
    const restrict = await warm(strict);
    const strictReference = await cold(strict);
    expect(results(restrict)).toEqual(results(strictReference));
    expect(restrict.stats.reused).toBe(0);
    expect(restrict.stats.candidates).toBe(strictReference.stats.candidates);
    expect(restrict.stats.verified).toBeLessThan(reference.stats.verified);

    // Back to the defaults: their stored results still hold.
    const back = await warm();
    expect(results(back)).toEqual(results(reference));
    expect(back.stats).toMatchObject({ featuresComputed: 0, candidates: 0 });
  }, 300_000);

  test('verification with a working set of two images reads feature data back from the cache, same results', async () => {
    // Settings of their own: no stored decision applies, every candidate is verified.
    const looser: Settings = { verify: { ...defaultDedupSettings().verify, minColour: 0.44 } };
    const colourReads = jest.spyOn(cacheModule, 'readCachedColours');
    const fullReads = jest.spyOn(cacheModule, 'readCachedRows');
    const got = await runDedupJob({
      root: fx.root,
      pool: fx.pool,
      db: fx.database.db,
      settings: looser,
      saveResults: false,
      workingSet: 2,
    });
    const colourRows = colourReads.mock.calls.reduce((n, [, paths]) => n + paths.length, 0);
    const fullRows = fullReads.mock.calls.reduce((n, [, paths]) => n + paths.length, 0);
    colourReads.mockRestore();
    fullReads.mockRestore();
    const reference = await cold(looser);
    expect(results(got)).toEqual(results(reference));
    expect(got.stats.candidates).toBe(reference.stats.candidates);
    expect(got.stats.rejected).toEqual(reference.stats.rejected);
    // Stages 1-2 read colour signatures, images again after their eviction (more rows than images); the
    // pairs that pass them read full rows.
    expect(colourRows).toBeGreaterThan(got.stats.files);
    expect(fullRows).toBeGreaterThan(0);
  }, 180_000);
});
