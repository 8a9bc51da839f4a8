/**
 * `rxvision/sinks`: where rows end up: the batched, retrying Kysely sink (spooling to disk while the
 * database is away), JSON Lines files and the console, plus the row helpers they share.
 */
export * from './types';
export * from './errors';
export { PG_MAX_PARAMS, chunk, columnsOf, dedupeByKey, keyOf, rowsPerStatement } from '../db/rows';
export { Spool, encodeSpoolLine, decodeSpoolLine } from './spool';
export * from './kysely';
export * from './jsonl';
export * from './console';
export * from './defaults';
