export * from './types';
export * from './errors';
export * from './rows';
export { Spool, encodeSpoolLine, decodeSpoolLine } from './spool';
export * from './kysely';
export * from './jsonl';
export * from './console';
export * from './defaults';
