/**
 * Stage `act`: the job's action on each group's duplicates (move, hardlink, delete; a dry run unless
 * `settings.actions.confirm`), through the action functions of ../actions.ts with the job's action
 * settings, an undo log next to the reports.
 */
import path from 'node:path';
import { concatMap, type OperatorFunction } from 'rxjs';
import { applyActions, planActions, type ActionOutcome } from '../actions';
import { undoLogPath } from '../undo-log';
import { stage, type JobContext } from './context';
import type { Reported } from './report';

/** The reported findings with what the actions did. */
export interface Acted extends Reported {
  outcomes: ActionOutcome[];
  /** The undo log of a move/hardlink/delete run (written only when confirmed). */
  undoLog?: string;
}

/** Applies (or plans, for a dry run) the job's action. */
export function actStage(ctx: JobContext): OperatorFunction<Reported, Acted> {
  return stage(
    ctx,
    'actions',
    concatMap(async (reported): Promise<Acted> => {
      const { root, out } = ctx;
      const { action, targetDir, confirm } = ctx.settings.actions;
      if (action === 'report') return { ...reported, outcomes: [] };
      const { report } = reported;
      const undoLog = undoLogPath({ out, targetDir, root });
      const plan = planActions(
        report.groups.map((g) => ({
          keeper: path.join(report.root, g.keeper),
          duplicates: g.members.filter((m) => !m.keeper).map((m) => path.join(report.root, m.path)),
          kind: g.kind,
        })),
        { action, root, targetDir, seen: reported.seen, contentHashes: reported.contentHashes },
      );
      ctx.progress.update('actions', 0, plan.length);
      // Every step re-checked, logged intent-then-act (actions.ts).
      const outcomes = await applyActions(plan, { confirm, undoLog, root, targetDir });
      ctx.progress.finish('actions', outcomes.length, plan.length);
      ctx.stats.skippedCopies = outcomes.filter((o) => o.status === 'skipped').length;
      return { ...reported, outcomes, undoLog };
    }),
  );
}
