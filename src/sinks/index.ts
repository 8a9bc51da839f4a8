/**
 * `rxvision/sinks`: where rows end up: the batched, retrying Kysely sink (spooling to disk while the
 * database is away), JSON Lines files and the console, plus the row helpers they share.
 */
export * from './types';
export * from './errors';
export * from './rows';
export { Spool, encodeSpoolLine, decodeSpoolLine } from './spool';
export * from './kysely';
export * from './jsonl';
export * from './console';
export * from './defaults';
