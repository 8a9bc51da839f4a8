/**
 * Result rows of a dedup run (tables of migration 0003_dedup): the run's summary in `dedup_runs`, its
 * groups, members and skipped files. Written in one transaction at the end of the run, in chunks that stay
 * far below Postgres' bind-parameter limit, so a reader never sees half a run.
 */
import type { Kysely } from 'kysely';
import { jsonb } from '../../db/json';
import type { DB } from '../../db/types';
import { insertRows } from '../../db/write';
import { SINK_BATCH_DEFAULTS } from '../../sinks/defaults';
import type { DedupReport } from './report/model';

/** What {@link saveRunResults} writes. */
export interface RunResults {
  runId: string;
  jobId: string;
  report: DedupReport;
  startedAt: Date;
  finishedAt: Date;
  stats: {
    files: number;
    groups: number;
    duplicates: number;
    skipped: number;
    reclaimableBytes: number;
    featuresComputed: number;
    featuresCached: number;
  };
  action: string;
  settings: unknown;
  /** Rows per insert statement (default {@link SINK_BATCH_DEFAULTS}.rows). */
  batchSize?: number;
}

/** Member rows of a report (pure): absolute and relative paths, score, keeper flag, size, dimensions. */
export function memberRows(runId: string, report: DedupReport) {
  return report.groups.flatMap((g) =>
    g.members.map((m) => ({
      run_id: runId,
      group_id: g.id,
      path: joinRoot(report.root, m.path),
      rel_path: m.path,
      score: m.score,
      keeper: m.keeper,
      size: m.size,
      width: m.width,
      height: m.height,
      format: m.format,
    })),
  );
}

function joinRoot(root: string, rel: string): string {
  return root.endsWith('/') ? root + rel : `${root}/${rel}`;
}

/** Writes one run's rows in a single transaction. */
export async function saveRunResults(db: Kysely<DB>, r: RunResults): Promise<void> {
  const chunking = { maxRows: r.batchSize ?? SINK_BATCH_DEFAULTS.rows };
  await db.transaction().execute(async (trx) => {
    await insertRows(trx, 'dedup_runs', [
      {
        run_id: r.runId,
        job_id: r.jobId,
        root: r.report.root,
        started_at: r.startedAt,
        finished_at: r.finishedAt,
        files: r.stats.files,
        groups: r.stats.groups,
        duplicates: r.stats.duplicates,
        skipped: r.stats.skipped,
        reclaimable_bytes: r.stats.reclaimableBytes,
        features_computed: r.stats.featuresComputed,
        features_cached: r.stats.featuresCached,
        action: r.action,
        settings: jsonb(r.settings),
      },
    ]);
    const groups = r.report.groups.map((g) => ({
      run_id: r.runId,
      group_id: g.id,
      kind: g.kind,
      score: g.score,
      keeper: g.keeper,
      members: g.members.length,
      reclaimable_bytes: g.reclaimableBytes,
    }));
    await insertRows(trx, 'dedup_groups', groups, chunking);
    await insertRows(trx, 'dedup_members', memberRows(r.runId, r.report), chunking);
    // A path can be skipped twice (unreadable while hashing and again later): one row per path.
    const skipped = [
      ...new Map(
        r.report.skipped.map((s) => [
          s.path,
          {
            run_id: r.runId,
            path: joinRoot(r.report.root, s.path),
            rel_path: s.path,
            reason: s.reason,
            detail: s.detail,
          },
        ]),
      ).values(),
    ];
    await insertRows(trx, 'dedup_skipped', skipped, chunking);
  });
}
