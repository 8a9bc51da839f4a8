export { openDatabase, type Database } from './open';
export { DATABASE_URL_ENV, resolveDatabaseConfig, type DatabaseConfig, type DatabaseFlags } from './config';
export { DatabaseError } from './errors';
export { jsonb } from './json';
export { createMigrator, type MigrationReport, type MigrationStatus } from './migrator';
export { migrations } from './migrations';
export { PGliteDialect } from './pglite-dialect';
export type * from './types';
