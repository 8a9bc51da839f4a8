/**
 * What happens to duplicates: report only (default), move to a folder (keeping relative paths), replace
 * with a hardlink to the keeper (the original bytes are kept in a backup folder), or delete (moved to a
 * trash folder unless `permanent`). Nothing touches the disk unless `confirm` is set; every performed
 * step is appended to a JSON Lines undo log as it happens, and {@link undoActions} reverses a log.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DedupActionConfigError } from './errors';

export type DestructiveAction = 'move' | 'hardlink' | 'delete';

/** A group as the action planner sees it: absolute paths of the keeper and of the duplicates. */
export interface ActionGroup {
  keeper: string;
  duplicates: string[];
}

/** One planned step. `to` is the destination (move/delete: where the file goes; hardlink: the keeper). */
export interface PlannedAction {
  action: DestructiveAction;
  from: string;
  /** null only for a permanent delete. */
  to: string | null;
  keeper: string;
  /** hardlink: where the duplicate's own bytes are kept so the step can be undone. */
  backup?: string;
}

export interface PlanOptions {
  action: DestructiveAction;
  /** The scanned root; destination paths keep each file's path relative to it. */
  root: string;
  /** move: destination folder; delete: trash folder; hardlink: backup folder. */
  targetDir?: string;
  /** delete: unlink instead of moving to the trash (cannot be undone). */
  permanent?: boolean;
}

/** Turns groups into planned steps; throws (naming the setting) when a required folder is missing. */
export function planActions(groups: readonly ActionGroup[], options: PlanOptions): PlannedAction[] {
  const root = path.resolve(options.root);
  const needsDir = !(options.action === 'delete' && options.permanent);
  if (needsDir && !options.targetDir) {
    throw new DedupActionConfigError(
      `dedup action "${options.action}" needs actions.targetDir (destination/backup folder)`,
    );
  }
  const target = options.targetDir ? path.resolve(options.targetDir) : '';
  const inTarget = (file: string) => {
    const rel = path.relative(root, file);
    if (rel.startsWith('..') || path.isAbsolute(rel))
      throw new DedupActionConfigError(`${file} is outside the scanned root ${root}`);
    return path.join(target, rel);
  };
  const plan: PlannedAction[] = [];
  for (const g of groups) {
    for (const dup of g.duplicates) {
      if (path.resolve(dup) === path.resolve(g.keeper)) continue;
      switch (options.action) {
        case 'move':
          plan.push({ action: 'move', from: dup, to: inTarget(dup), keeper: g.keeper });
          break;
        case 'delete':
          plan.push({
            action: 'delete',
            from: dup,
            to: options.permanent ? null : inTarget(dup),
            keeper: g.keeper,
          });
          break;
        case 'hardlink':
          plan.push({ action: 'hardlink', from: dup, to: g.keeper, keeper: g.keeper, backup: inTarget(dup) });
          break;
      }
    }
  }
  return plan;
}

/** What happened to one planned step. */
export interface ActionOutcome extends PlannedAction {
  status: 'dry-run' | 'done' | 'failed';
  error?: string;
}

/** One line of the undo log. */
export interface UndoRecord {
  action: DestructiveAction;
  from: string;
  to: string | null;
  keeper: string;
  backup?: string;
  at: string;
}

export interface ApplyOptions {
  /** Perform the steps; without it nothing is touched and every outcome is 'dry-run'. */
  confirm?: boolean;
  /** JSON Lines file the performed steps are appended to (required when confirmed). */
  undoLog?: string;
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch {
    return false;
  }
}

/** rename, or copy + unlink across file systems; keeps the modification time. Never overwrites. */
async function moveFile(from: string, to: string): Promise<void> {
  if (await exists(to)) throw new Error(`destination ${to} already exists`);
  await fs.mkdir(path.dirname(to), { recursive: true });
  try {
    await fs.rename(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    const st = await fs.stat(from);
    await fs.copyFile(from, to, fs.constants.COPYFILE_EXCL);
    await fs.utimes(to, st.atime, st.mtime);
    await fs.unlink(from);
  }
}

async function perform(step: PlannedAction): Promise<void> {
  if (!(await exists(step.keeper)))
    throw new Error(`keeper ${step.keeper} is missing; not touching ${step.from}`);
  if (!(await exists(step.from))) throw new Error(`${step.from} no longer exists`);
  switch (step.action) {
    case 'move':
      await moveFile(step.from, step.to!);
      return;
    case 'delete':
      if (step.to === null) await fs.unlink(step.from);
      else await moveFile(step.from, step.to);
      return;
    case 'hardlink': {
      await moveFile(step.from, step.backup!);
      try {
        await fs.link(step.keeper, step.from);
      } catch (err) {
        await moveFile(step.backup!, step.from); // put the original back (e.g. EXDEV: other file system)
        throw err;
      }
      return;
    }
  }
}

/**
 * Applies a plan. Dry run unless `confirm`; confirmed runs need `undoLog`, and each successful step is
 * appended to it before the next starts. A failing step is reported and the rest continue.
 */
export async function applyActions(
  plan: readonly PlannedAction[],
  options: ApplyOptions = {},
): Promise<ActionOutcome[]> {
  if (!options.confirm) return plan.map((p) => ({ ...p, status: 'dry-run' }));
  if (!options.undoLog) throw new Error('a confirmed dedup action needs an undo log path (undoLog)');
  await fs.mkdir(path.dirname(path.resolve(options.undoLog)), { recursive: true });
  const outcomes: ActionOutcome[] = [];
  for (const step of plan) {
    try {
      await perform(step);
      const record: UndoRecord = { ...step, at: new Date().toISOString() };
      await fs.appendFile(options.undoLog, JSON.stringify(record) + '\n');
      outcomes.push({ ...step, status: 'done' });
    } catch (err) {
      outcomes.push({ ...step, status: 'failed', error: (err as Error).message });
    }
  }
  return outcomes;
}

/** Reads an undo log (JSON Lines); throws naming the file and line on a malformed line. */
export async function readUndoLog(file: string): Promise<UndoRecord[]> {
  const text = await fs.readFile(file, 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((line, i) => {
      try {
        return JSON.parse(line) as UndoRecord;
      } catch (err) {
        throw new Error(`${file}:${i + 1}: bad undo record: ${(err as Error).message}`);
      }
    });
}

/** Outcome of reversing one logged step. */
export interface UndoOutcome {
  record: UndoRecord;
  status: 'restored' | 'irreversible' | 'failed';
  error?: string;
}

/** Reverses the steps of an undo log, newest first. Permanent deletes are reported as irreversible. */
export async function undoActions(undoLog: string): Promise<UndoOutcome[]> {
  const records = await readUndoLog(undoLog);
  const outcomes: UndoOutcome[] = [];
  for (const record of records.reverse()) {
    try {
      switch (record.action) {
        case 'move':
        case 'delete':
          if (record.to === null) {
            outcomes.push({
              record,
              status: 'irreversible',
              error: `${record.from} was deleted permanently`,
            });
            continue;
          }
          await moveFile(record.to, record.from);
          break;
        case 'hardlink': {
          const [link, keeper] = await Promise.all([fs.stat(record.from), fs.stat(record.keeper)]);
          if (link.ino !== keeper.ino || link.dev !== keeper.dev) {
            throw new Error(`${record.from} is no longer a hardlink to ${record.keeper}; left as is`);
          }
          await fs.unlink(record.from);
          await moveFile(record.backup!, record.from);
          break;
        }
      }
      outcomes.push({ record, status: 'restored' });
    } catch (err) {
      outcomes.push({ record, status: 'failed', error: (err as Error).message });
    }
  }
  return outcomes;
}
