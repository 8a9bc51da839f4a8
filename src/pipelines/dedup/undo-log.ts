/**
 * The dedup undo log: JSON Lines, written intent-then-act. A run first writes a `plan` record (root,
 * target folder, action); every step then writes an `intent` record and fsyncs it BEFORE the file is
 * touched, and a `done` record (with the identity of the file where it now lies) after. A crash can so
 * leave at most one intent without its `done`, never a moved file the log does not know of. A write that
 * fails stops the run ({@link UndoLogError}): acting on without a record would make the step unrecoverable.
 */
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';

/** Version of the record format; records of other versions are not undone. */
export const UNDO_LOG_VERSION = 2;

/** The undo log could not be opened, written or synced; the run stops before touching another file. */
export class UndoLogError extends Error {
  constructor(
    readonly logPath: string,
    cause: unknown,
  ) {
    super(
      `undo log ${logPath}: ${(cause as Error)?.message ?? String(cause)}; stopped before touching any further file`,
    );
    this.name = 'UndoLogError';
  }
}

/**
 * Where a job's undo log goes: `<out>/undo.jsonl`, else `<targetDir>/undo.jsonl` (next to the files it
 * can bring back), else next to the scanned root. The job, its result and every summary use this one
 * function, so the path printed is the path written.
 */
export function undoLogPath(where: { out?: string; targetDir?: string; root: string }): string {
  const dir = where.out ?? where.targetDir ?? path.dirname(path.resolve(where.root));
  return path.join(path.resolve(dir), 'undo.jsonl');
}

export type DestructiveAction = 'move' | 'hardlink' | 'delete';

/** Identity of a file as seen at one moment (lstat): what re-checks and undo compare. */
export interface FileIdentity {
  size: number;
  mtimeMs: number;
  ino: number;
}

/** Starts a run: what every later record of the run is checked against by undo. */
export interface PlanRecord {
  v: number;
  op: 'plan';
  run: string;
  action: DestructiveAction;
  /** Real path of the scanned root: sources and keepers must lie inside it. */
  root: string;
  /** Real path of the target folder (move/delete/hardlink backups), null for a permanent delete. */
  targetDir: string | null;
  at: string;
}

/** Written and synced before a step touches anything. */
export interface IntentRecord {
  v: number;
  op: 'intent';
  run: string;
  /** Step number inside the run. */
  step: number;
  action: DestructiveAction;
  from: string;
  /** move/delete: where the file goes (null: permanent delete); hardlink: the keeper. */
  to: string | null;
  keeper: string;
  /** hardlink: where the duplicate's own bytes are kept. */
  backup?: string;
  at: string;
}

/** Written after a step succeeded: `moved` is the identity of the file where it now lies. */
export interface DoneRecord {
  v: number;
  op: 'done';
  run: string;
  step: number;
  moved: FileIdentity | null;
  at: string;
}

/** Written after a step failed (nothing to undo: a failed hardlink puts the original back). */
export interface FailedRecord {
  v: number;
  op: 'failed';
  run: string;
  step: number;
  error: string;
  at: string;
}

export type UndoLogRecord = PlanRecord | IntentRecord | DoneRecord | FailedRecord;

/** Opens (appends to) an undo log; every write is synced before it returns. */
export class UndoLogWriter {
  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
  ) {}

  /**
   * Opens `file` for appending. A torn last line (a crash while writing it) is cut off first: it was
   * never synced, so the step it described never started.
   */
  static async open(file: string): Promise<UndoLogWriter> {
    const abs = path.resolve(file);
    let handle: FileHandle | undefined;
    try {
      await fs.mkdir(path.dirname(abs), { recursive: true });
      handle = await fs.open(abs, 'a+');
      const { size } = await handle.stat();
      if (size > 0) {
        const keep = await lengthWithoutTornTail(handle, size);
        if (keep < size) await handle.truncate(keep);
      }
      return new UndoLogWriter(abs, handle);
    } catch (err) {
      await handle?.close().catch(() => undefined);
      throw new UndoLogError(abs, err);
    }
  }

  /** Appends one record and fsyncs; throws {@link UndoLogError}. */
  async append(record: UndoLogRecord): Promise<void> {
    try {
      const line = Buffer.from(JSON.stringify(record) + '\n');
      let off = 0;
      while (off < line.length) off += (await this.handle.write(line, off, line.length - off)).bytesWritten;
      await this.handle.sync();
    } catch (err) {
      throw new UndoLogError(this.path, err);
    }
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** Bytes of the file up to and including its last newline (a tail after it is torn). */
async function lengthWithoutTornTail(handle: FileHandle, size: number): Promise<number> {
  const chunk = Buffer.alloc(Math.min(size, 64 * 1024));
  for (let end = size; end > 0;) {
    const start = Math.max(0, end - chunk.length);
    const { bytesRead } = await handle.read(chunk, 0, end - start, start);
    const nl = chunk.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (nl >= 0) return start + nl + 1;
    end = start;
  }
  return 0;
}

/** A log as read back: its records, and the torn last line if there was one. */
export interface ReadUndoLog {
  records: UndoLogRecord[];
  /** Text of a torn last line (unterminated, not a whole record), ignored. */
  tornTail?: string;
}

/**
 * Reads an undo log. A torn last line is tolerated (returned as `tornTail`); a malformed line anywhere
 * else means the log was damaged or edited, and throws naming the file and line.
 */
export async function readUndoLogRecords(file: string): Promise<ReadUndoLog> {
  const text = await fs.readFile(file, 'utf8');
  const lines = text.split('\n');
  const records: UndoLogRecord[] = [];
  let tornTail: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    // Only an unterminated last line can be torn (a terminated line was written whole).
    const last = i === lines.length - 1;
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch (err) {
      if (last) {
        tornTail = line;
        continue;
      }
      throw new Error(`${file}:${i + 1}: bad undo record: ${(err as Error).message}`);
    }
    if (!isRecord(rec)) {
      if (last) {
        tornTail = line;
        continue;
      }
      throw new Error(
        `${file}:${i + 1}: not an undo record of version ${UNDO_LOG_VERSION} (op plan/intent/done)`,
      );
    }
    records.push(rec);
  }
  return { records, tornTail };
}

function isRecord(r: unknown): r is UndoLogRecord {
  if (typeof r !== 'object' || r === null) return false;
  const o = r as Record<string, unknown>;
  if (o.v !== UNDO_LOG_VERSION || typeof o.run !== 'string') return false;
  const str = (k: string) => typeof o[k] === 'string';
  switch (o.op) {
    case 'plan':
      return str('root') && str('action') && (o.targetDir === null || str('targetDir'));
    case 'intent':
      return typeof o.step === 'number' && str('action') && str('from') && str('keeper');
    case 'done':
    case 'failed':
      return typeof o.step === 'number';
    default:
      return false;
  }
}
