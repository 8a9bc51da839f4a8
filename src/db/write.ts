/**
 * The one write path to the database: typed, chunked INSERT / INSERT ... ON CONFLICT statements. The
 * batched stream sink (src/sinks/kysely.ts) and every write that is not a stream (dedup cache rows,
 * results, pairs, channel rows) go through these functions, so chunking under the bind-parameter limit,
 * de-duplication by conflict key and the ON CONFLICT clause exist once.
 */
import type { InsertObject, Insertable, Kysely, Transaction } from 'kysely';
import { PG_MAX_PARAMS, chunk, columnsOf, dedupeByKey, rowsPerStatement } from './rows';

/** The column names of table `T` of database `DB`. */
export type ColumnOf<DB, T extends keyof DB> = keyof DB[T] & string;

/** A row to insert into table `T`: Kysely's insert type of the table (defaulted columns optional). */
export type RowOf<DB, T extends keyof DB> = Insertable<DB[T]>;

/**
 * A row the write functions accept: a plain {@link RowOf} or one whose values may be SQL expressions
 * (e.g. `jsonb(value)` for a json column).
 */
export type InsertRow<DB, T extends keyof DB & string> = RowOf<DB, T> | InsertObject<DB, T>;

/**
 * ON CONFLICT behaviour on the unique key `columns`: skip rows whose key exists (`update` left out or
 * `'nothing'`), or update the listed columns from the new row (`excluded.<column>`).
 */
export interface ConflictTarget<DB, T extends keyof DB> {
  columns: readonly ColumnOf<DB, T>[];
  update?: readonly ColumnOf<DB, T>[] | 'nothing';
}

/** Options of {@link insertRows} and {@link writeRows}. */
export interface WriteOptions<DB, T extends keyof DB> {
  conflict?: ConflictTarget<DB, T>;
  /** Bind parameters allowed per statement (default Postgres's 65535). */
  maxParams?: number;
  /** At most this many rows per statement, when the caller wants smaller statements than the limit allows. */
  maxRows?: number;
}

/** A database or an open transaction on it: writes join the transaction. */
export type Writer<DB> = Kysely<DB> | Transaction<DB>;

/** The database as the statement builder sees it: table and column names are checked by the signatures. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyKysely = Kysely<any>;

/** Whether the conflict clause keeps the existing row (DO NOTHING) rather than updating it. */
function keepsExisting<DB, T extends keyof DB>(conflict: ConflictTarget<DB, T>): boolean {
  return conflict.update === undefined || conflict.update === 'nothing' || conflict.update.length === 0;
}

/**
 * One INSERT statement of `rows` into `table`, with the ON CONFLICT clause of `conflict`. Not executed:
 * the caller runs it on a database or a transaction.
 */
export function insertStatement<DB, T extends keyof DB & string>(
  db: Writer<DB>,
  table: T,
  rows: readonly NoInfer<InsertRow<DB, T>>[],
  conflict?: NoInfer<ConflictTarget<DB, T>>,
) {
  // Names were checked against DB by the signature; the builder itself works on plain strings.
  const query = (db as AnyKysely).insertInto(table as string).values([...rows]);
  if (!conflict) return query;
  const columns = [...conflict.columns];
  if (keepsExisting(conflict)) return query.onConflict((oc) => oc.columns(columns).doNothing());
  const update = conflict.update as readonly string[];
  return query.onConflict((oc) =>
    oc
      .columns(columns)
      .doUpdateSet((eb) => Object.fromEntries(update.map((c) => [c, eb.ref(`excluded.${c}`)]))),
  );
}

/**
 * Removes rows whose conflict key repeats (Postgres cannot touch one row twice in a statement): with DO
 * NOTHING the first row wins, with DO UPDATE the last. Without `conflict` the rows are returned as they are.
 */
export function uniqueByConflict<DB, T extends keyof DB, Row extends object>(
  rows: readonly Row[],
  conflict: ConflictTarget<DB, T> | undefined,
): Row[] {
  if (!conflict) return [...rows];
  return dedupeByKey(rows, conflict.columns, keepsExisting(conflict) ? 'first' : 'last');
}

/**
 * Inserts `rows` as they are (no de-duplication), in as many statements as the bind-parameter limit (and
 * `maxRows`) require. Several statements run in one transaction, unless `db` already is one.
 */
export async function insertRows<DB, T extends keyof DB & string>(
  db: Writer<DB>,
  table: T,
  rows: readonly NoInfer<InsertRow<DB, T>>[],
  options: NoInfer<WriteOptions<DB, T>> = {},
): Promise<void> {
  if (rows.length === 0) return;
  const byParams = rowsPerStatement(
    columnsOf(rows as readonly object[]).length,
    options.maxParams ?? PG_MAX_PARAMS,
  );
  const parts = chunk(rows, Math.min(byParams, options.maxRows ?? byParams));
  const run = async (target: Writer<DB>): Promise<void> => {
    for (const part of parts) await insertStatement(target, table, part, options.conflict).execute();
  };
  if (parts.length === 1 || db.isTransaction) return run(db);
  await db.transaction().execute(run);
}

/**
 * Writes `rows` into `table`: de-duplicated by the conflict key, then {@link insertRows}. Returns how many
 * rows were sent and how many were dropped as repeats of a key.
 */
export async function writeRows<DB, T extends keyof DB & string>(
  db: Writer<DB>,
  table: T,
  rows: readonly NoInfer<InsertRow<DB, T>>[],
  options: NoInfer<WriteOptions<DB, T>> = {},
): Promise<{ written: number; duplicates: number }> {
  const unique = uniqueByConflict(rows, options.conflict);
  await insertRows(db, table, unique, options);
  return { written: unique.length, duplicates: rows.length - unique.length };
}
