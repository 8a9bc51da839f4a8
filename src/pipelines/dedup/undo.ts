/**
 * Reverses an undo log (undo-log.ts), newest step first. Only complete steps (an intent and its `done`)
 * are reversed, and only when the log and the disk agree: the run's plan record exists and the step
 * matches it (same action, sources and keeper inside the plan's root, destinations inside its target
 * folder, real paths included), and the file to bring back is the one the step put there (size,
 * modification time, inode). Anything else is refused and touches nothing, so an edited or forged log
 * cannot move files outside the plan.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { identityChange, identityOf, moveFile } from './actions';
import { isInside, realPathOf } from './containment';
import {
  readUndoLogRecords,
  type DoneRecord,
  type IntentRecord,
  type PlanRecord,
  type UndoLogRecord,
} from './undo-log';

/** One logged step (its intent record), as {@link UndoOutcome} names it. */
export type UndoRecord = IntentRecord;

/** Outcome of reversing one logged step. */
export interface UndoOutcome {
  record: UndoRecord;
  /**
   * restored: put back; irreversible: a permanent delete; incomplete: an intent without its `done` (a
   * crash mid-step: check the two paths by hand); refused: the record does not match its plan or the
   * disk (nothing touched); failed: the reversal itself failed.
   */
  status: 'restored' | 'irreversible' | 'incomplete' | 'refused' | 'failed';
  error?: string;
}

/** The intent records of a log, in log order (a torn last line is ignored). */
export async function readUndoLog(file: string): Promise<UndoRecord[]> {
  const { records } = await readUndoLogRecords(file);
  return records.filter((r): r is IntentRecord => r.op === 'intent');
}

class Refused extends Error {}

/** Refuses unless `p` lies inside `dir` by path text and by real path. */
async function mustBeInside(dir: string | null, p: string | null | undefined, what: string): Promise<string> {
  if (!dir || !p) throw new Refused(`${what} missing from the record or its plan`);
  const abs = path.resolve(p);
  if (!isInside(dir, abs) || abs === dir) throw new Refused(`${what} ${p} is outside ${dir}`);
  const realDir = await realPathOf(dir);
  if (!isInside(realDir, await realPathOf(abs))) throw new Refused(`${what} ${p} resolves outside ${dir}`);
  return abs;
}

/** Refuses unless the file at `p` is the one the step left there. */
async function mustBeMoved(p: string, done: DoneRecord): Promise<void> {
  if (!done.moved) throw new Refused(`the log has no identity for ${p}`);
  const st = await fs.lstat(p).catch(() => undefined);
  if (!st?.isFile()) throw new Refused(`${p} is missing or not a regular file`);
  const change = identityChange(done.moved, identityOf(st));
  if (change) throw new Refused(`${p} is not the file the step left there (${change}); left as is`);
}

async function reverse(intent: IntentRecord, plan: PlanRecord, done: DoneRecord): Promise<void> {
  if (intent.action !== plan.action)
    throw new Refused(`step action ${intent.action} differs from its plan's ${plan.action}`);
  const from = await mustBeInside(plan.root, intent.from, 'source');
  const keeper = await mustBeInside(plan.root, intent.keeper, 'keeper');
  switch (intent.action) {
    case 'move':
    case 'delete': {
      const to = await mustBeInside(plan.targetDir, intent.to, 'destination');
      await mustBeMoved(to, done);
      await moveFile(to, from);
      return;
    }
    case 'hardlink': {
      if (path.resolve(intent.to ?? '') !== keeper) throw new Refused('hardlink target is not the keeper');
      const backup = await mustBeInside(plan.targetDir, intent.backup, 'backup');
      await mustBeMoved(backup, done);
      const [link, kept] = await Promise.all([fs.lstat(from), fs.lstat(keeper)]);
      if (!link.isFile() || link.ino !== kept.ino || link.dev !== kept.dev)
        throw new Error(`${from} is no longer a hardlink to ${keeper}; left as is`);
      await fs.unlink(from);
      await moveFile(backup, from);
      return;
    }
  }
}

/** Options of {@link undoActions}. */
export interface UndoOptions {
  /**
   * Only steps of runs over this root are reversed; others are refused. The plan record names its root,
   * so without this a forged plan could name any folder: give the folder when you know it.
   */
  root?: string;
}

/** Reverses the complete steps of an undo log, newest first (see the module comment). */
export async function undoActions(undoLog: string, options: UndoOptions = {}): Promise<UndoOutcome[]> {
  const { records } = await readUndoLogRecords(undoLog);
  const onlyRoot = options.root ? await realPathOf(options.root) : undefined;
  const key = (r: { run: string; step: number }) => `${r.run}:${r.step}`;
  const plans = new Map<string, PlanRecord>();
  const ends = new Map<string, UndoLogRecord>();
  const intents: IntentRecord[] = [];
  for (const r of records) {
    if (r.op === 'plan') plans.set(r.run, r);
    else if (r.op === 'intent') intents.push(r);
    else ends.set(key(r), r);
  }
  const outcomes: UndoOutcome[] = [];
  for (const record of intents.reverse()) {
    const end = ends.get(key(record));
    const plan = plans.get(record.run);
    if (end?.op === 'failed') continue; // nothing was changed
    if (!end) {
      outcomes.push({
        record,
        status: 'incomplete',
        error: `the step was started but not recorded as done: check ${record.from} and ${record.backup ?? record.to}`,
      });
      continue;
    }
    if (!plan) {
      outcomes.push({ record, status: 'refused', error: `no plan record for run ${record.run}` });
      continue;
    }
    if (onlyRoot !== undefined && plan.root !== onlyRoot) {
      outcomes.push({ record, status: 'refused', error: `the run was over ${plan.root}, not ${onlyRoot}` });
      continue;
    }
    if (record.to === null && record.action === 'delete') {
      outcomes.push({ record, status: 'irreversible', error: `${record.from} was deleted permanently` });
      continue;
    }
    try {
      await reverse(record, plan, end as DoneRecord);
      outcomes.push({ record, status: 'restored' });
    } catch (err) {
      outcomes.push({
        record,
        status: err instanceof Refused ? 'refused' : 'failed',
        error: (err as Error).message,
      });
    }
  }
  return outcomes;
}
