/** The row helpers live with the db layer's write path ({@link ../db/write}); sinks re-export them. */
export { PG_MAX_PARAMS, chunk, columnsOf, dedupeByKey, keyOf, rowsPerStatement } from '../db/rows';
