/**
 * Stage `report`: report.json, report.csv and report.html in the job's `out` folder, and the run's
 * result rows (dedup_runs/groups/members). Runs before the actions, so a report exists whatever the
 * actions then do.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { concatMap, type OperatorFunction } from 'rxjs';
import { writeCsvReport } from '../report/csv';
import { writeHtmlReport } from '../report/html';
import { writeJsonReport } from '../report/json';
import { saveRunResults } from '../results';
import { stage, type JobContext } from './context';
import type { Grouped } from './group';

/** The findings, reported. */
export interface Reported extends Grouped {
  /** Id of the run's rows in dedup_runs (when results were saved). */
  runId?: string;
}

/** Writes the report files and result rows. */
export function reportStage(ctx: JobContext): OperatorFunction<Grouped, Reported> {
  return stage(
    ctx,
    'report',
    concatMap(async (grouped): Promise<Reported> => {
      const { report } = grouped;
      const { out } = ctx;
      if (out) {
        ctx.progress.update('report', 0, 3);
        await writeJsonReport(report, path.join(out, 'report.json'));
        await writeCsvReport(report, path.join(out, 'report.csv'));
        await writeHtmlReport(report, path.join(out, 'report.html'));
        ctx.progress.finish('report', 3);
      }
      const db = ctx.deps.db;
      if (!db || ctx.spec.saveResults === false) return grouped;
      const runId = randomUUID();
      ctx.stats.elapsedMs = performance.now() - ctx.t0;
      await saveRunResults(db, {
        runId,
        jobId: ctx.jobId,
        report,
        startedAt: ctx.startedAt,
        finishedAt: new Date(),
        stats: ctx.stats,
        action: ctx.settings.actions.action,
        settings: ctx.settings,
        batchSize: ctx.batchSize,
      });
      return { ...grouped, runId };
    }),
  );
}
