/**
 * Result rows of a dedup run (tables of migration 0003_dedup): the run's summary in `dedup_runs`, its
 * groups, members and skipped files. Written in one transaction at the end of the run, in chunks that stay
 * far below Postgres' bind-parameter limit, so a reader never sees half a run.
 */
import type { Kysely } from 'kysely';
import { jsonb } from '../../db/json';
import type { DB } from '../../db/types';
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
  /** Rows per insert statement (default 200). */
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

async function insertChunked<T>(rows: readonly T[], size: number, insert: (chunk: T[]) => Promise<unknown>) {
  for (let i = 0; i < rows.length; i += size) await insert(rows.slice(i, i + size));
}

/** Writes one run's rows in a single transaction. */
export async function saveRunResults(db: Kysely<DB>, r: RunResults): Promise<void> {
  const size = r.batchSize ?? 200;
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('dedup_runs')
      .values({
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
      })
      .execute();
    const groups = r.report.groups.map((g) => ({
      run_id: r.runId,
      group_id: g.id,
      kind: g.kind,
      score: g.score,
      keeper: g.keeper,
      members: g.members.length,
      reclaimable_bytes: g.reclaimableBytes,
    }));
    await insertChunked(groups, size, (c) => trx.insertInto('dedup_groups').values(c).execute());
    await insertChunked(memberRows(r.runId, r.report), size, (c) =>
      trx.insertInto('dedup_members').values(c).execute(),
    );
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
    await insertChunked(skipped, size, (c) => trx.insertInto('dedup_skipped').values(c).execute());
  });
}
