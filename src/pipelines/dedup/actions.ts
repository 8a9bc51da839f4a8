/**
 * What happens to duplicates: report only (default), move to a folder (keeping relative paths), replace
 * with a hardlink to the keeper (the original bytes are kept in a backup folder), or delete (moved to a
 * trash folder unless `permanent`). Nothing touches the disk unless `confirm` is set.
 *
 * Before each step both files are checked again (see {@link checkStep}): regular files, reached without
 * links, inside the real path of the root, unchanged since the scan (size, mtime, inode), and for exact
 * groups and every hardlink byte-identical to the keeper right now. A file that fails a check is skipped
 * and reported. Each step is logged intent-then-act in the undo log (undo-log.ts; undo.ts reverses it).
 */
import { promises as fs, type Stats } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { hashFileContent } from '../../kernels/features/file-hash';
import { isInside, placement, realPathOf } from './containment';
import { DedupActionConfigError } from './errors';
import {
  UNDO_LOG_VERSION,
  UndoLogWriter,
  type DestructiveAction,
  type FileIdentity,
  type IntentRecord,
} from './undo-log';

export type { DestructiveAction, FileIdentity };

/** A group as the action planner sees it: absolute paths of the keeper and of the duplicates. */
export interface ActionGroup {
  keeper: string;
  duplicates: string[];
  /** 'exact': byte-identical at scan time (re-hashed before acting); 'near' (default): similar pictures. */
  kind?: 'exact' | 'near';
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
  /** The group's kind: exact steps are re-hashed before acting. */
  kind?: 'exact' | 'near';
  /** What the scan saw of `from` and of the keeper; a file that differs now is skipped. */
  seen?: { from?: FileIdentity; keeper?: FileIdentity };
  /** Content hashes (SHA-1 hex) of `from` and the keeper when the job computed them. */
  hashes?: { from?: string; keeper?: string };
}

export interface PlanOptions {
  action: DestructiveAction;
  /** The scanned root; destination paths keep each file's path relative to it. */
  root: string;
  /** move: destination folder; delete: trash folder; hardlink: backup folder. */
  targetDir?: string;
  /** delete: unlink instead of moving to the trash (cannot be undone). */
  permanent?: boolean;
  /** Scan-time identity (size, mtime, inode) by absolute path, re-checked before each step. */
  seen?: ReadonlyMap<string, FileIdentity>;
  /**
   * Content hashes (SHA-1 hex, stage 0) by absolute path: a file that has one is re-hashed before its
   * step and skipped when its bytes changed, even with unchanged size and mtime.
   */
  contentHashes?: ReadonlyMap<string, string>;
}

/** Only the identity fields (callers may pass whole scan entries). */
const identity = (m: FileIdentity | undefined): FileIdentity | undefined =>
  m && { size: m.size, mtimeMs: m.mtimeMs, ino: m.ino };

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
    if (!isInside(root, path.resolve(file)) || path.resolve(file) === root)
      throw new DedupActionConfigError(`${file} is outside the scanned root ${root}`);
    return path.join(target, path.relative(root, file));
  };
  const plan: PlannedAction[] = [];
  for (const g of groups) {
    for (const dup of g.duplicates) {
      if (path.resolve(dup) === path.resolve(g.keeper)) continue;
      const common = {
        from: dup,
        keeper: g.keeper,
        ...(g.kind ? { kind: g.kind } : {}),
        ...(options.seen
          ? { seen: { from: identity(options.seen.get(dup)), keeper: identity(options.seen.get(g.keeper)) } }
          : {}),
        ...(options.contentHashes
          ? { hashes: { from: options.contentHashes.get(dup), keeper: options.contentHashes.get(g.keeper) } }
          : {}),
      };
      switch (options.action) {
        case 'move':
          plan.push({ action: 'move', to: inTarget(dup), ...common });
          break;
        case 'delete':
          plan.push({ action: 'delete', to: options.permanent ? null : inTarget(dup), ...common });
          break;
        case 'hardlink':
          plan.push({ action: 'hardlink', to: g.keeper, backup: inTarget(dup), ...common });
          break;
      }
    }
  }
  return plan;
}

/**
 * Why a step was skipped: the file changed since the scan (or vanished), is a link or reached through
 * one, resolves outside the root, is the keeper itself, or is not byte-identical to the keeper.
 */
export type SkipCode = 'ECHANGED' | 'ESYMLINK' | 'EOUTSIDE' | 'ESAMEFILE' | 'ENOTIDENTICAL';

/** What happened to one planned step. */
export interface ActionOutcome extends PlannedAction {
  status: 'dry-run' | 'done' | 'skipped' | 'failed';
  /** skipped: why. */
  code?: SkipCode;
  error?: string;
}

export interface ApplyOptions {
  /** Perform the steps; without it nothing is touched and every outcome is 'dry-run'. */
  confirm?: boolean;
  /** JSON Lines undo log the steps are logged to, intent first (required when confirmed). */
  undoLog?: string;
  /**
   * The scanned root (required when confirmed): no file whose real path lies outside the root's real
   * path is touched, nor one reached through a symbolic link.
   */
  root?: string;
  /**
   * The plan's target folder (required when a step has a destination): recorded in the log, undo moves
   * files back only from there.
   */
  targetDir?: string;
}

/** A reason to skip a step, found by {@link checkStep}. */
class Skip extends Error {
  constructor(
    readonly code: SkipCode,
    message: string,
  ) {
    super(message);
  }
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
export async function moveFile(from: string, to: string): Promise<void> {
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

/** The identity of a file as lstat sees it. */
export function identityOf(st: Stats): FileIdentity {
  return { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino };
}

/** How `now` differs from `seen`, or undefined when it does not. */
export function identityChange(seen: FileIdentity, now: FileIdentity): string | undefined {
  const diffs: string[] = [];
  if (seen.size !== now.size) diffs.push(`size ${seen.size} -> ${now.size}`);
  if (seen.mtimeMs !== now.mtimeMs) diffs.push('modification time');
  if (seen.ino !== now.ino) diffs.push(`inode ${seen.ino} -> ${now.ino}`);
  return diffs.length ? diffs.join(', ') : undefined;
}

/**
 * Checks one member right before acting: a regular file (lstat), reached without links, inside the real
 * root, unchanged since the scan. Returns its lstat; throws {@link Skip}.
 */
async function checkMember(
  file: string,
  role: 'file' | 'keeper',
  seen: FileIdentity | undefined,
  root: string,
  realRoot: string,
): Promise<Stats> {
  let st: Stats;
  try {
    st = await fs.lstat(file);
  } catch (err) {
    throw new Skip('ECHANGED', `${role} ${file} is missing since the scan (${(err as Error).message})`);
  }
  if (st.isSymbolicLink())
    throw new Skip('ESYMLINK', `${role} ${file} is a symbolic link; links are never acted on`);
  if (!st.isFile()) throw new Skip('ECHANGED', `${role} ${file} is no longer a regular file`);
  const where = await placement(root, realRoot, file);
  if (where === 'outside')
    throw new Skip('EOUTSIDE', `${role} ${file} resolves outside the root ${realRoot}`);
  if (where === 'via-link')
    throw new Skip('ESYMLINK', `${role} ${file} is reached through a symbolic link; not acted on`);
  const change = seen && identityChange(seen, identityOf(st));
  if (change) throw new Skip('ECHANGED', `${role} ${file} changed since the scan (${change})`);
  return st;
}

/**
 * Everything re-checked right before a step (throws {@link Skip}): both files pass {@link checkMember};
 * they are two files, not one reached by two paths; a file with a scan-time content hash is re-hashed
 * and must match it (an edit that kept size and mtime); exact-group steps and every hardlink compare the
 * two files' content hashes now (a cached hash may be stale, and a hardlink must never replace a
 * near-duplicate's own picture by the keeper's).
 */
export async function checkStep(step: PlannedAction, root: string, realRoot: string): Promise<void> {
  const from = await checkMember(step.from, 'file', step.seen?.from, root, realRoot);
  const keeper = await checkMember(step.keeper, 'keeper', step.seen?.keeper, root, realRoot);
  if (from.ino === keeper.ino && from.dev === keeper.dev)
    throw new Skip('ESAMEFILE', `${step.from} is the same file as the keeper ${step.keeper}`);
  const hashes = step.hashes ?? {};
  const compare = step.kind === 'exact' || step.action === 'hardlink';
  const now = { from: undefined as string | undefined, keeper: undefined as string | undefined };
  for (const [role, file] of [
    ['from', step.from],
    ['keeper', step.keeper],
  ] as const) {
    if (!compare && hashes[role] === undefined) continue;
    now[role] = await hashFileContent(file);
    if (hashes[role] !== undefined && hashes[role] !== now[role])
      throw new Skip('ECHANGED', `${file} has other bytes than at the scan (content hash)`);
  }
  if (compare && (from.size !== keeper.size || now.from !== now.keeper)) {
    throw step.kind === 'exact'
      ? new Skip('ECHANGED', `${step.from} is no longer byte-identical to the keeper ${step.keeper}`)
      : new Skip(
          'ENOTIDENTICAL',
          `${step.from} is not byte-identical to the keeper ${step.keeper}: a hardlink would replace its own picture`,
        );
  }
}

/** Performs one checked step; returns the identity of the file where the moved bytes now lie. */
async function perform(step: PlannedAction): Promise<FileIdentity | null> {
  switch (step.action) {
    case 'move':
      await moveFile(step.from, step.to!);
      return identityOf(await fs.lstat(step.to!));
    case 'delete':
      if (step.to === null) {
        await fs.unlink(step.from);
        return null;
      }
      await moveFile(step.from, step.to);
      return identityOf(await fs.lstat(step.to));
    case 'hardlink': {
      await moveFile(step.from, step.backup!);
      try {
        await fs.link(step.keeper, step.from);
      } catch (err) {
        await moveFile(step.backup!, step.from); // put the original back (e.g. EXDEV: other file system)
        throw err;
      }
      return identityOf(await fs.lstat(step.backup!));
    }
  }
}

/**
 * Test-only seam (fault tests): when RXVISION_TEST_ACTION_GATE names a file, a confirmed run waits for
 * that file to exist before its first step, so a test can change files between plan and action without
 * racing a clock. Not for production use.
 */
async function testActionGate(): Promise<void> {
  const gate = process.env.RXVISION_TEST_ACTION_GATE;
  if (!gate) return;
  while (!(await exists(gate))) await new Promise((r) => setTimeout(r, 50));
}

/**
 * Applies a plan. Dry run unless `confirm`. A confirmed run needs `undoLog` and `root`; each step is
 * re-checked ({@link checkStep}; a file that fails is skipped and reported), its intent is appended to the
 * undo log and synced, then it is performed, then its `done` record is appended. A failing step is
 * reported and the rest continue; a failing log write rejects with {@link UndoLogError} at once.
 */
export async function applyActions(
  plan: readonly PlannedAction[],
  options: ApplyOptions = {},
): Promise<ActionOutcome[]> {
  if (!options.confirm) return plan.map((p) => ({ ...p, status: 'dry-run' }));
  if (!options.undoLog) throw new Error('a confirmed dedup action needs an undo log path (undoLog)');
  if (!options.root) throw new Error('a confirmed dedup action needs the scanned root (root)');
  if (plan.length === 0) return [];
  const root = path.resolve(options.root);
  const realRoot = await fs.realpath(root);
  const target = options.targetDir ? path.resolve(options.targetDir) : undefined;
  for (const p of plan) {
    const dest = p.action === 'hardlink' ? p.backup : p.to;
    if (dest != null && !(target && isInside(target, path.resolve(dest))))
      throw new DedupActionConfigError(
        `${dest} is not inside the plan's target folder (targetDir ${target ?? 'not given'})`,
      );
  }
  const log = await UndoLogWriter.open(options.undoLog);
  const run = randomUUID();
  const at = () => new Date().toISOString();
  const outcomes: ActionOutcome[] = [];
  try {
    await log.append({
      v: UNDO_LOG_VERSION,
      op: 'plan',
      run,
      action: plan[0].action,
      root: realRoot,
      targetDir: target ? await realPathOf(target) : null,
      at: at(),
    });
    await testActionGate();
    for (const [step, p] of plan.entries()) {
      try {
        await checkStep(p, root, realRoot);
      } catch (err) {
        outcomes.push(
          err instanceof Skip
            ? { ...p, status: 'skipped', code: err.code, error: err.message }
            : { ...p, status: 'failed', error: (err as Error).message },
        );
        continue;
      }
      const intent: IntentRecord = {
        v: UNDO_LOG_VERSION,
        op: 'intent',
        run,
        step,
        action: p.action,
        from: p.from,
        to: p.to,
        keeper: p.keeper,
        ...(p.backup ? { backup: p.backup } : {}),
        at: at(),
      };
      await log.append(intent);
      let moved: FileIdentity | null;
      try {
        moved = await perform(p);
      } catch (err) {
        outcomes.push({ ...p, status: 'failed', error: (err as Error).message });
        await log.append({
          v: UNDO_LOG_VERSION,
          op: 'failed',
          run,
          step,
          error: (err as Error).message,
          at: at(),
        });
        continue;
      }
      await log.append({ v: UNDO_LOG_VERSION, op: 'done', run, step, moved, at: at() });
      outcomes.push({ ...p, status: 'done' });
    }
  } finally {
    await log.close();
  }
  return outcomes;
}
