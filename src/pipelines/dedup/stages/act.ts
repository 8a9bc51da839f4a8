/**
 * Stage `act`: the job's action on each group's duplicates (move, hardlink, delete; a dry run unless
 * `settings.actions.confirm`), through the action functions of ../actions.ts with the job's action
 * settings, an undo log next to the reports.
 */
import path from 'node:path';
import { concatMap, type OperatorFunction } from 'rxjs';
import { applyActions, planActions, type ActionOutcome } from '../actions';
import { stage, type JobContext } from './context';
import type { Reported } from './report';

/** The reported findings with what the actions did. */
export interface Acted extends Reported {
  outcomes: ActionOutcome[];
}

/** Applies (or plans, for a dry run) the job's action. */
export function actStage(ctx: JobContext): OperatorFunction<Reported, Acted> {
  return stage(
    ctx,
    'actions',
    concatMap(async (reported): Promise<Acted> => {
      const { settings, root } = ctx;
      if (settings.actions.action === 'report') return { ...reported, outcomes: [] };
      const { report } = reported;
      const out = ctx.spec.out ? path.resolve(ctx.spec.out) : undefined;
      const plan = planActions(
        report.groups.map((g) => ({
          keeper: path.join(report.root, g.keeper),
          duplicates: g.members.filter((m) => !m.keeper).map((m) => path.join(report.root, m.path)),
        })),
        { action: settings.actions.action, root, targetDir: settings.actions.targetDir },
      );
      ctx.progress.update('actions', 0, plan.length);
      const outcomes = await applyActions(plan, {
        confirm: settings.actions.confirm,
        undoLog: path.join(out ?? path.resolve(root, '..'), 'undo.jsonl'),
      });
      ctx.progress.finish('actions', outcomes.length, plan.length);
      return { ...reported, outcomes };
    }),
  );
}
