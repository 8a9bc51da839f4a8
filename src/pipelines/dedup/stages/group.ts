/**
 * Stage `group` (stage 5): complete-linkage grouping of the verified pairs (stored ones included), exact
 * copies merged into the groups, keepers chosen: the job's report model. Marks the stored decisions
 * complete for the current digests.
 */
import { concatMap, type OperatorFunction } from 'rxjs';
import { counter, gauge } from '../../../metrics/registry';
import { finishDetection } from '../detect';
import { mergeExactIntoGroups } from '../merge-exact';
import { buildReport, type DedupReport } from '../report/model';
import type { ScanEntry } from '../../../kernels/features/types';
import { stage, type JobContext } from './context';
import type { Planned } from './candidates';

/** The job's findings. */
export interface Grouped {
  report: DedupReport;
  /** Every scanned file by path (what the actions re-check before touching a file). */
  seen: ReadonlyMap<string, ScanEntry>;
  /** Stage 0 content hashes by path. */
  contentHashes: ReadonlyMap<string, string>;
}

const metrics = {
  pairs: () =>
    counter(
      'rxvision_dedup_pairs_total',
      'Candidate pairs by verdict (verified, rejected; reused: verified pairs taken from an earlier run)',
      ['job', 'verdict'],
    ),
  groups: () => gauge('rxvision_dedup_groups', 'Duplicate groups found by the last run of a job', ['job']),
  skipped: () =>
    counter('rxvision_dedup_skipped_total', 'Files skipped by dedup jobs, by reason', ['job', 'reason']),
};

/** Groups the verified pairs into the report model. */
export function groupStage(ctx: JobContext): OperatorFunction<Planned, Grouped> {
  return stage(
    ctx,
    'group',
    concatMap(async ({ featured, plan, store }): Promise<Grouped> => {
      // A stop right after verification: no groups, no actions on a partial run.
      ctx.checkStopped('verify');
      const detected = await finishDetection(plan, ctx.settings.grouping, store);
      Object.assign(ctx.stats, detected.stats);
      const byPath = new Map(featured.entries.map((e) => [e.path, e]));
      const groups = mergeExactIntoGroups(detected.groups, featured.items, featured.exactGroups, byPath);
      const report = buildReport(ctx.root, groups, ctx.skipped, ctx.settings.actions.keeperOrder);
      const { jobId } = ctx;
      const rejected = Object.values(detected.stats.rejected).reduce((n, x) => n + x, 0);
      metrics.pairs().inc({ job: jobId, verdict: 'verified' }, detected.stats.candidates - rejected);
      metrics.pairs().inc({ job: jobId, verdict: 'rejected' }, rejected);
      metrics.pairs().inc({ job: jobId, verdict: 'reused' }, detected.stats.reused);
      metrics.groups().set({ job: jobId }, report.groups.length);
      for (const s of report.skipped) metrics.skipped().inc({ job: jobId, reason: s.reason });
      const stats = ctx.stats;
      stats.groups = report.groups.length;
      stats.duplicates = report.groups.reduce((n, g) => n + g.members.length - 1, 0);
      stats.skipped = report.skipped.length;
      stats.reclaimableBytes = report.groups.reduce((n, g) => n + g.reclaimableBytes, 0);
      return { report, seen: byPath, contentHashes: featured.contentHashes };
    }),
  );
}
