import type { Kysely } from 'kysely';
import {
  catchError,
  concatMap,
  defer,
  endWith,
  finalize,
  from,
  map,
  mergeMap,
  of,
  startWith,
  type OperatorFunction,
} from 'rxjs';
import { batch } from '../operators/batch';
import { counter, gauge, histogram } from '../metrics/registry';
import type { Shutdown } from '../runtime/shutdown';
import { logger, type Logger } from '../util/logger';
import { SinkWriteError, isTransientDbError, messageOf } from './errors';
import {
  insertRows,
  insertStatement,
  uniqueByConflict,
  type ColumnOf,
  type ConflictTarget,
  type RowOf,
} from '../db/write';
import { SINK_BATCH_DEFAULTS } from './defaults';
import { Spool } from './spool';
import { backoffMs } from '../util/backoff';
import type { SinkAck } from './types';

/** Retry policy for transient database errors: exponential backoff from `baseMs`, capped at `maxMs`. */
export interface RetryOptions {
  /** Total attempts per write, including the first (default 5). */
  attempts: number;
  baseMs: number;
  maxMs: number;
}

/** A sink's ON CONFLICT behaviour and row type come from the db layer's write path. */
export type { ColumnOf, ConflictTarget, RowOf } from '../db/write';

/** Options of {@link kyselySink}. */
export interface KyselySinkOptions<DB, T extends keyof DB & string> {
  /** Target table, a table of `DB` (optionally schema-qualified there: "analytics.faces"). */
  table: T;
  /** Rows per batch (default {@link SINK_BATCH_DEFAULTS}.rows). */
  batchSize?: number;
  /** Write a partial batch this long after its first row (default {@link SINK_BATCH_DEFAULTS}.flushMs). */
  flushMs?: number;
  /** ON CONFLICT on these columns of the table: skip the row, or update the listed columns. */
  conflict?: ConflictTarget<DB, T>;
  retry?: Partial<RetryOptions>;
  /**
   * Keep rows in `<dir>/<table>.jsonl` while the database is unreachable; replayed when it answers.
   * `databaseId` (`Database.id()`) ties the spool to this database; `maxBytes` caps its size (1 GiB).
   */
  spool?: { dir: string; databaseId?: string; maxBytes?: number };
  /** Shorthand for `spool: { dir }`. */
  spoolDir?: string;
  /** Columns that identify a row in error messages (default: the conflict columns, else `id`). */
  keyColumns?: readonly ColumnOf<DB, T>[];
  /**
   * While rows are spooled, how often a new batch may probe the database (one attempt) before being
   * appended to the spool too (default `retry.maxMs`).
   */
  probeMs?: number;
  /** Bind parameters allowed per statement (default Postgres's 65535). */
  maxParams?: number;
  /** Spooled rows replayed per transaction (default 1000): a long spool is never one huge statement. */
  replayChunkRows?: number;
  /** Sink name for metrics and logs (default the table). */
  name?: string;
  /** When given, the 'sinks' stop phase waits until this sink has flushed and completed. */
  shutdown?: Shutdown;
  log?: Logger;
}

const DEFAULT_RETRY: RetryOptions = { attempts: 5, baseMs: 100, maxMs: 2000 };

const metrics = {
  batches: counter('rxvision_sink_batches_total', 'Batches written (or spooled) by sinks', ['sink', 'table']),
  rows: counter('rxvision_sink_rows_total', 'Rows written by sinks (database rows, file lines)', [
    'sink',
    'table',
  ]),
  retries: counter('rxvision_sink_retries_total', 'Write attempts retried after transient errors', [
    'sink',
    'table',
  ]),
  spoolRows: gauge('rxvision_sink_spool_rows', 'Rows waiting in the local spool', ['sink', 'table']),
  latency: histogram('rxvision_sink_batch_seconds', 'Time to write one batch, retries included', [
    'sink',
    'table',
  ]),
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

type Job<Row> =
  | { kind: 'startup' }
  | { kind: 'batch'; rows: Row[] }
  | { kind: 'finish' }
  | { kind: 'fail'; error: unknown };

/**
 * The one writer of a sink: every database write and spool access goes through it, one at a time.
 */
class TableWriter<DB, T extends keyof DB & string, Row extends RowOf<DB, T> = RowOf<DB, T>> {
  private readonly retry: RetryOptions;
  private readonly labels: { sink: string; table: string };
  private readonly keyColumns: readonly string[];
  private lastProbe = 0;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly options: KyselySinkOptions<DB, T>,
    private readonly spool: Spool<Row> | undefined,
    private readonly log: Logger,
  ) {
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.labels = { sink: options.name ?? options.table, table: options.table };
    this.keyColumns = options.keyColumns ?? options.conflict?.columns ?? ['id'];
    metrics.spoolRows.set(this.labels, spool?.rows ?? 0);
  }

  async run(job: Job<Row>): Promise<SinkAck[]> {
    switch (job.kind) {
      case 'startup':
        return this.replay(this.retry.attempts, 'startup');
      case 'batch':
        return this.write(job.rows);
      case 'finish':
        return this.replay(this.retry.attempts, 'finish');
      case 'fail': {
        await this.replay(this.retry.attempts, 'finish').catch(() => undefined);
        throw job.error;
      }
    }
  }

  /** Writes a batch; spools it when the database stays unreachable (and a spool is configured). */
  private async write(rows: Row[]): Promise<SinkAck[]> {
    const acks: SinkAck[] = [];
    if (this.spool && this.spool.rows > 0) {
      // Older rows wait in the spool: they go first, so newer rows never overtake them.
      const probeMs = this.options.probeMs ?? this.retry.maxMs;
      if (Date.now() - this.lastProbe >= probeMs) acks.push(...(await this.replay(1, 'probe')));
      if (this.spool.rows > 0) {
        acks.push(await this.toSpool(rows, 0));
        return acks;
      }
    }
    const started = process.hrtime.bigint();
    try {
      const { attempt, written, duplicates } = await this.insertWithRetry(rows, this.retry.attempts);
      metrics.batches.inc(this.labels);
      metrics.rows.inc(this.labels, written);
      metrics.latency.observe(this.labels, Number(process.hrtime.bigint() - started) / 1e9);
      acks.push({ ...this.ackBase(), rows: written, spooled: false, attempt, duplicates });
    } catch (err) {
      if (!(err instanceof SinkWriteError && err.transient && this.spool)) throw err;
      this.log.warn({ err: messageOf(err), rows: rows.length }, 'database unreachable; spooling batch');
      this.lastProbe = Date.now();
      acks.push(await this.toSpool(rows, this.retry.attempts));
    }
    return acks;
  }

  private async toSpool(rows: Row[], attempt: number): Promise<SinkAck> {
    const spool = this.spool!;
    await spool.append(rows);
    metrics.batches.inc(this.labels);
    metrics.spoolRows.set(this.labels, spool.rows);
    return { ...this.ackBase(), rows: rows.length, spooled: true, attempt };
  }

  /**
   * Writes the spooled rows in order, streamed in chunks of `replayChunkRows`, each its own transaction,
   * then empties the spool. A transient failure keeps the rows not yet committed (returns what was
   * written); a permanent one is thrown. Repeats of stored rows (a replay cut short, a commit whose reply
   * was lost) are skipped, and rows the database rejects go to the spool's `.rejected` file.
   */
  private async replay(attempts: number, why: 'startup' | 'probe' | 'finish'): Promise<SinkAck[]> {
    const spool = this.spool;
    if (!spool || spool.rows === 0) return [];
    this.lastProbe = Date.now();
    const total = spool.rows;
    let done = 0;
    let written = 0;
    let duplicates = 0;
    let lastAttempt = 1;
    try {
      for await (const { rows, lines } of spool.chunks(this.options.replayChunkRows ?? 1000)) {
        const result =
          rows.length > 0
            ? await this.replayChunk(rows, attempts)
            : { attempt: 1, written: 0, duplicates: 0 };
        done += lines;
        written += result.written;
        duplicates += result.duplicates;
        lastAttempt = result.attempt;
      }
      await spool.clear();
    } catch (err) {
      // What was committed leaves the spool, so it is not sent again.
      if (done > 0) await spool.dropFirst(done);
      metrics.spoolRows.set(this.labels, spool.rows);
      metrics.rows.inc(this.labels, written);
      if (!(err instanceof SinkWriteError && err.transient)) throw err;
      if (why !== 'probe') {
        this.log.warn(
          { rows: spool.rows, spool: spool.file, why, err: messageOf(err) },
          why === 'finish'
            ? 'database still unreachable: rows stay in the spool and are replayed on the next start'
            : 'database unreachable: spool kept for later',
        );
      }
      return written > 0
        ? [
            {
              ...this.ackBase(),
              rows: written,
              spooled: false,
              attempt: lastAttempt,
              replayed: true,
              duplicates,
            },
          ]
        : [];
    }
    metrics.spoolRows.set(this.labels, 0);
    metrics.rows.inc(this.labels, written);
    this.log.info({ rows: total, written, duplicates, why }, 'replayed spool');
    return [
      { ...this.ackBase(), rows: written, spooled: false, attempt: lastAttempt, replayed: true, duplicates },
    ];
  }

  /** One chunk of a replay; on a row's fault (a key already stored, bad data) it goes row by row. */
  private async replayChunk(
    rows: Row[],
    attempts: number,
  ): Promise<{ attempt: number; written: number; duplicates: number }> {
    try {
      return await this.insertWithRetry(rows, attempts);
    } catch (err) {
      const code = String(((err as { cause?: { code?: unknown } }).cause?.code ?? '') as string);
      if (
        !(err instanceof SinkWriteError) ||
        err.transient ||
        !(code.startsWith('22') || code.startsWith('23'))
      )
        throw err;
      return this.replayRowByRow(rows);
    }
  }

  /**
   * Inserts rows one by one: a unique violation means the row was already written; a row the database
   * rejects otherwise goes to the spool's `.rejected` file with a warning.
   */
  private async replayRowByRow(
    rows: Row[],
  ): Promise<{ attempt: number; written: number; duplicates: number }> {
    let written = 0;
    let duplicates = 0;
    for (const row of uniqueByConflict(rows, this.options.conflict)) {
      try {
        await insertStatement(this.db, this.options.table, [row], this.options.conflict).execute();
        written++;
      } catch (err) {
        if (isTransientDbError(err)) throw await this.permanentOrTransient(err);
        const code = String((err as { code?: unknown }).code ?? '');
        if (code === '23505') {
          duplicates++;
        } else if (code.startsWith('22') || code.startsWith('23')) {
          await this.spool!.rejectRow(row, messageOf(err));
          this.log.warn(
            { key: this.keyOf(row, 0), spool: this.spool!.rejectedFile, err: messageOf(err) },
            'spooled row rejected by the database; moved to the rejected file',
          );
        } else {
          throw await this.permanentError([row], err);
        }
      }
    }
    return { attempt: 1, written, duplicates };
  }

  private async permanentOrTransient(err: unknown): Promise<SinkWriteError> {
    return new SinkWriteError(
      `sink ${this.labels.sink}: table ${this.options.table} unreachable during replay: ${messageOf(err)}`,
      this.options.table,
      true,
      undefined,
      { cause: err },
    );
  }

  private async insertWithRetry(
    rows: Row[],
    attempts: number,
  ): Promise<{ attempt: number; written: number; duplicates: number }> {
    // De-duplicated by the conflict key once: every attempt sends the same rows.
    const prepared = uniqueByConflict(rows, this.options.conflict);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.insert(prepared);
        return { attempt, written: prepared.length, duplicates: rows.length - prepared.length };
      } catch (err) {
        if (!isTransientDbError(err)) throw await this.permanentError(prepared, err);
        if (attempt >= attempts) {
          throw new SinkWriteError(
            `sink ${this.labels.sink}: table ${this.options.table} unreachable after ${attempt} attempt(s): ${messageOf(err)}`,
            this.options.table,
            true,
            undefined,
            { cause: err },
          );
        }
        metrics.retries.inc(this.labels);
        const waitMs = backoffMs(attempt, this.retry);
        this.log.debug({ attempt, waitMs, err: messageOf(err) }, 'transient database error; retrying');
        await sleep(waitMs);
      }
    }
  }

  /** One transaction per write, chunked so no statement exceeds the bind-parameter limit. */
  private insert(rows: Row[]): Promise<void> {
    const { table, conflict, maxParams } = this.options;
    return insertRows(this.db, table, rows, { conflict, maxParams });
  }

  /** Builds the error for a permanent failure, naming the first row Postgres rejects when it is a row's fault. */
  private async permanentError(rows: Row[], err: unknown): Promise<SinkWriteError> {
    // Only data (22xxx) and constraint (23xxx) errors belong to a row; a missing table fails every row.
    const code = String((err as { code?: unknown }).code ?? '');
    const bad = code.startsWith('22') || code.startsWith('23') ? await this.findFirstBadRow(rows) : undefined;
    const where = bad
      ? `; first bad row ${JSON.stringify(bad.key)} (row ${bad.index + 1} of ${rows.length})`
      : '';
    const detail = (err as { detail?: unknown }).detail;
    return new SinkWriteError(
      `sink ${this.labels.sink}: insert into ${this.options.table} failed: ${messageOf(bad?.error ?? err)}` +
        (typeof detail === 'string' ? ` (${detail})` : '') +
        where,
      this.options.table,
      false,
      bad?.key,
      { cause: err },
    );
  }

  /** Re-inserts the rows one by one in a transaction that is always rolled back; returns the first rejected. */
  private async findFirstBadRow(
    rows: Row[],
  ): Promise<{ index: number; key: Record<string, unknown>; error: unknown } | undefined> {
    let bad: { index: number; key: Record<string, unknown>; error: unknown } | undefined;
    const rollback = new Error('rollback');
    await this.db
      .transaction()
      .execute(async (trx) => {
        for (let i = 0; i < rows.length && !bad; i++) {
          try {
            await insertStatement(trx, this.options.table, [rows[i]], this.options.conflict).execute();
          } catch (rowErr) {
            bad = { index: i, key: this.keyOf(rows[i], i), error: rowErr };
          }
        }
        throw rollback;
      })
      .catch(() => undefined);
    return bad;
  }

  private keyOf(row: Row, index: number): Record<string, unknown> {
    const record = row as Record<string, unknown>;
    const present = this.keyColumns.filter((c) => c in record);
    if (present.length === 0) return { row: index + 1 };
    return Object.fromEntries(present.map((c) => [c, record[c]]));
  }

  private ackBase(): Pick<SinkAck, 'sink' | 'table'> {
    return { sink: this.labels.sink, table: this.options.table };
  }
}

/**
 * Writes rows to a table through Kysely, in batches of `batchSize` (or every `flushMs`), one batch at a
 * time, and emits a {@link SinkAck} per write. Each batch is one transaction, chunked under Postgres's
 * bind-parameter limit; with `conflict` it is de-duplicated by the conflict key and uses ON CONFLICT.
 * Transient errors are retried with exponential backoff; when the database stays unreachable and `spool`
 * is set, batches go to an fsync'd JSON Lines spool and are replayed, in order and before newer batches,
 * as soon as the database answers (and on the next start). Permanent errors end the stream with a
 * {@link SinkWriteError} naming the table and the first bad row. On completion (or a source error) the
 * pending batch is written before the stream completes (or errors).
 */
export function kyselySink<DB, T extends keyof DB & string>(
  db: Kysely<DB>,
  options: KyselySinkOptions<DB, T>,
): OperatorFunction<RowOf<DB, T>, SinkAck> {
  type Row = RowOf<DB, T>;
  const batchSize = options.batchSize ?? SINK_BATCH_DEFAULTS.rows;
  const flushMs = options.flushMs ?? SINK_BATCH_DEFAULTS.flushMs;
  const name = options.name ?? options.table;
  return (source) =>
    defer(() => {
      const log = (options.log ?? logger()).child({ component: 'sink', sink: name, table: options.table });
      let spool: Spool<Row> | undefined;
      let markDone!: () => void;
      const completed = new Promise<void>((resolve) => (markDone = resolve));
      const unregister = options.shutdown?.onStop(`sink ${name}`, () => completed, 'sinks');

      const open = async (): Promise<TableWriter<DB, T>> => {
        const spoolDir = options.spool?.dir ?? options.spoolDir;
        if (spoolDir) {
          spool = await Spool.open<Row>(spoolDir, options.table, {
            databaseId: options.spool?.databaseId,
            maxBytes: options.spool?.maxBytes,
            onRejected: (line, reason) =>
              log.warn(
                { spool: spool?.file, line, reason },
                'spool line cannot be decoded; moved to the rejected file',
              ),
          });
        }
        if (spool && spool.rows > 0) log.info({ rows: spool.rows, spool: spool.file }, 'found spooled rows');
        return new TableWriter<DB, T>(db, options, spool, log);
      };

      // The source is subscribed at once, not after the spool opens: rows of a hot source (status events)
      // emitted meanwhile wait in concatMap's queue instead of being lost.
      let finished = false;
      const opened = open().then((writer) => {
        if (finished) spool?.release(); // unsubscribed while opening
        return writer;
      });
      opened.catch(() => undefined); // reported through the first job
      return source.pipe(
        batch<Row>({ size: batchSize, timeMs: flushMs }),
        map((rows): Job<Row> => ({ kind: 'batch', rows })),
        // A failing source still gets its last rows written: the error travels as a job.
        catchError((error: unknown) => of<Job<Row>>({ kind: 'fail', error })),
        startWith<Job<Row>>({ kind: 'startup' }),
        endWith<Job<Row>>({ kind: 'finish' }),
        concatMap((job) => from(opened.then((writer) => writer.run(job))).pipe(mergeMap((acks) => acks))),
        finalize(() => {
          finished = true;
          spool?.release();
          unregister?.();
          markDone();
        }),
      );
    });
}

/** Type guard helper for callers that only count rows that reached the database. */
export function isWritten(ack: SinkAck): boolean {
  return !ack.spooled;
}

export type { SinkAck };
