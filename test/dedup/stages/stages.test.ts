/**
 * Each stage of a dedup job on a small corpus (two originals, their transformed copies, a byte-identical
 * copy), run one after the other on the previous stage's output, and the composed job's event stream.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { lastValueFrom, of, toArray, type OperatorFunction } from 'rxjs';
import { dedupJob, type DedupEvent } from '../../../src/pipelines/dedup/job';
import { JobContext } from '../../../src/pipelines/dedup/stages/context';
import { scanStage, type Scanned } from '../../../src/pipelines/dedup/stages/scan';
import { exactStage, type Hashed } from '../../../src/pipelines/dedup/stages/exact';
import { featuresStage, type Featured } from '../../../src/pipelines/dedup/stages/features';
import { candidatesStage, type Planned } from '../../../src/pipelines/dedup/stages/candidates';
import { verifyStage } from '../../../src/pipelines/dedup/stages/verify';
import { groupStage, type Grouped } from '../../../src/pipelines/dedup/stages/group';
import { reportStage, type Reported } from '../../../src/pipelines/dedup/stages/report';
import { actStage } from '../../../src/pipelines/dedup/stages/act';
import { readCachedRows, fromCacheRow } from '../../../src/pipelines/dedup/cache';
import { localVerifier } from '../../../src/pipelines/dedup/detect';
import { candidatePairs } from '../../../src/pipelines/dedup/detect';
import { useDedupJobFixture } from '../job-fixture';

describe('dedup stages on a small corpus', () => {
  const fx = useDedupJobFixture('dedup-stages', ['fruits.jpg', 'home.jpg'], async (root) => {
    await fs.copyFile(path.join(root, 'originals/home.jpg'), path.join(root, 'home-copy.jpg'));
  });
  let ctx: JobContext;
  let scanned: Scanned;
  let hashed: Hashed;
  let featured: Featured;
  let planned: Planned;
  let grouped: Grouped;
  let reported: Reported;
  const run = <I, O>(input: I, op: OperatorFunction<I, O>): Promise<O> => lastValueFrom(op(of(input)));

  beforeAll(() => {
    ctx = new JobContext(
      { root: fx.root, out: path.join(fx.base, 'report'), jobId: 'stages' },
      { pool: fx.pool, db: fx.database.db },
    );
  });

  test('context: the reports folder is resolved once, absolute; none without spec.out', () => {
    const relative = new JobContext({ root: fx.root, out: 'some/report' }, { pool: fx.pool });
    expect(relative.out).toBe(path.resolve('some/report'));
    expect(ctx.out).toBe(path.join(fx.base, 'report'));
    expect(new JobContext({ root: fx.root }, { pool: fx.pool }).out).toBeUndefined();
  });

  test('scan: every image file, with start and end events', async () => {
    const events: DedupEvent[] = [];
    ctx.events.subscribe((e) => events.push(e));
    scanned = await lastValueFrom(scanStage(ctx));
    expect(scanned.entries).toHaveLength(2 * 8 + 1);
    expect(events.filter((e) => e.type === 'stage')).toEqual([
      { type: 'stage', stage: 'scan', phase: 'start' },
      { type: 'stage', stage: 'scan', phase: 'end' },
    ]);
    expect(events.some((e) => e.type === 'progress' && e.progress.finished)).toBe(true);
  });

  test('exact: the byte-identical copy forms a group; one representative goes on', async () => {
    hashed = await run(scanned, exactStage(ctx));
    expect(hashed.exactGroups).toHaveLength(1);
    expect(hashed.exactGroups[0].members.map((m) => m.relPath).sort()).toEqual([
      'home-copy.jpg',
      'originals/home.jpg',
    ]);
    expect(hashed.representatives).toHaveLength(scanned.entries.length - 1);
  });

  test('features: a summary per representative, rows in the cache through the sink', async () => {
    featured = await run(hashed, featuresStage(ctx));
    expect(featured.items.map((i) => i.path)).toEqual(hashed.representatives.map((e) => e.path));
    const rows = await readCachedRows(
      fx.database.db,
      featured.items.map((i) => i.path),
    );
    expect(rows.size).toBe(featured.items.length);
    expect(ctx.stats.featuresComputed).toBe(featured.items.length);
  });

  test('candidates: the plan holds every item as new; chunks give the candidate pairs', async () => {
    planned = await run(featured, candidatesStage(ctx));
    expect(planned.plan.isNew.every(Boolean)).toBe(true);
    const fromChunks = [...planned.chunks].flat();
    expect(fromChunks).toEqual([...candidatePairs(featured.items, ctx.settings.verify)]);
  });

  test('verify: the pool reaches the verdicts this thread would, pairs stored', async () => {
    await run(planned, verifyStage(ctx));
    const stats = planned.plan.verdicts.stats;
    const pairs = [...planned.chunks].flat();
    expect(stats.candidates).toBe(pairs.length);
    const rows = await readCachedRows(
      fx.database.db,
      featured.items.map((i) => i.path),
    );
    const records = featured.items.map((i) => fromCacheRow(rows.get(i.path)!));
    const local = await localVerifier(ctx.settings.verify)({ pairs, records });
    expect(stats.verified).toBe(local.filter((v) => v?.pass).length);
    const stored = await fx.database.db.selectFrom('dedup_pairs').select('a_digest').execute();
    expect(stored.length).toBeGreaterThan(0);
  });

  test('group: two groups, the exact copy merged into the home group', async () => {
    grouped = await run(planned, groupStage(ctx));
    const groups = grouped.report.groups.map((g) => g.members.map((m) => m.path).sort());
    expect(groups).toHaveLength(2);
    expect(groups.find((g) => g.includes('originals/home.jpg'))).toContain('home-copy.jpg');
  });

  test('report: files written and a run row saved', async () => {
    reported = await run(grouped, reportStage(ctx));
    const out = path.join(fx.base, 'report');
    for (const f of ['report.json', 'report.csv', 'report.html']) await fs.access(path.join(out, f));
    expect(reported.runId).toBeDefined();
  });

  test('act: a dry-run move plans one move per duplicate and moves nothing', async () => {
    const dry = new JobContext(
      {
        root: fx.root,
        out: path.join(fx.base, 'report'),
        settings: {
          actions: {
            action: 'move',
            targetDir: path.join(fx.base, 'dups'),
            confirm: false,
            keeperOrder: ['resolution'],
          },
        },
      },
      { pool: fx.pool },
    );
    const acted = await run(reported, actStage(dry));
    expect(acted.outcomes).toHaveLength(ctx.stats.duplicates);
    await expect(fs.access(path.join(fx.base, 'dups'))).rejects.toThrow();
    await fs.access(path.join(fx.root, 'home-copy.jpg'));
  });

  test('dedupJob: stage starts and ends in order, then one result, then completion', async () => {
    const events = await lastValueFrom(
      dedupJob({ root: fx.root, jobId: 'stages-job' }, { pool: fx.pool, db: fx.database.db }).pipe(toArray()),
    );
    const stages = events.flatMap((e) => (e.type === 'stage' ? [`${e.stage}:${e.phase}`] : []));
    expect(stages).toEqual(
      ['scan', 'exact', 'features', 'candidates', 'verify', 'group', 'report', 'actions'].flatMap((s) => [
        `${s}:start`,
        `${s}:end`,
      ]),
    );
    const last = events[events.length - 1];
    expect(last.type).toBe('result');
    if (last.type === 'result') {
      // Everything came from the cache and the stored pairs of the stage-by-stage run above.
      expect(last.result.stats.featuresCached).toBe(featured.items.length);
      expect(last.result.stats.candidates).toBe(0);
      expect(last.result.report.groups).toHaveLength(2);
    }
  });
});
