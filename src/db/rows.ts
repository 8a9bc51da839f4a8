/** Postgres accepts at most this many bind parameters in one statement. */
export const PG_MAX_PARAMS = 65535;

/** The union of the column names used by `rows` (Kysely inserts DEFAULT for a row's missing keys). */
export function columnsOf(rows: readonly object[]): string[] {
  const columns = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) columns.add(key);
  return [...columns];
}

/** Rows per INSERT so that rows x columns stays within `maxParams`: floor(maxParams / columns), at least 1. */
export function rowsPerStatement(columnCount: number, maxParams = PG_MAX_PARAMS): number {
  return Math.max(1, Math.floor(maxParams / Math.max(1, columnCount)));
}

/** Splits `items` into consecutive chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** A stable string for the values of `columns` in `row` (used to compare conflict keys). */
export function keyOf(row: object, columns: readonly string[]): string {
  const record = row as Record<string, unknown>;
  return JSON.stringify(columns.map((c) => normalizeKeyPart(record[c])));
}

function normalizeKeyPart(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return value;
}

/**
 * Removes rows whose conflict key repeats inside one batch: Postgres refuses an INSERT ... ON CONFLICT DO
 * UPDATE that touches the same row twice. `keep: 'first'` matches DO NOTHING (the first row wins);
 * `keep: 'last'` matches DO UPDATE (the newest values win, at the position of the last occurrence).
 */
export function dedupeByKey<T extends object>(
  rows: readonly T[],
  columns: readonly string[],
  keep: 'first' | 'last',
): T[] {
  const byKey = new Map<string, T>();
  for (const row of rows) {
    const key = keyOf(row, columns);
    if (keep === 'first') {
      if (!byKey.has(key)) byKey.set(key, row);
    } else {
      byKey.delete(key);
      byKey.set(key, row);
    }
  }
  return [...byKey.values()];
}
