/**
 * The one place that holds how rows are batched on their way to the database: every database sink, the
 * dedup cache upserts and result inserts, and `pipeline doctor` read it from here.
 */
export const SINK_BATCH_DEFAULTS = {
  /** Rows per batch: one short transaction, far below Postgres's 65535 bind parameters. */
  rows: 200,
  /** A partial batch is written this long after its first row, so rows are never older than that. */
  flushMs: 500,
} as const;
