/** The row helpers live in src/db/rows.ts, next to the db layer's write path (src/db/write.ts); sinks re-export them. */
export { PG_MAX_PARAMS, chunk, columnsOf, dedupeByKey, keyOf, rowsPerStatement } from '../db/rows';
