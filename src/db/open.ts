import fs from 'node:fs/promises';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { redactUrl, scrubSecrets, urlSecrets } from '../util/redact';
import { logger } from '../util/logger';
import { isMemoryDataDir, pgliteDataDir, type DatabaseConfig } from './config';
import { DatabaseError } from './errors';
import {
  createMigrator,
  migrateToLatest,
  migrationStatus,
  type MigrationReport,
  type MigrationStatus,
} from './migrator';
import { PGliteDialect } from './pglite-dialect';
import { pgliteStart } from './pglite-start';
import { acquireProcessLock, LockHeldError, type ProcessLock } from './process-lock';
import { databaseId } from './identity';
import { createPostgresPool } from './postgres-pool';
import type { DB } from './types';

/** An open database: the Kysely instance plus schema management. */
export interface Database {
  db: Kysely<DB>;
  dialect: 'pglite' | 'postgres';
  /** Where it is: the redacted URL or the PGlite data directory (safe to log). */
  target: string;
  /** Applies pending migrations; running it again is a no-op. */
  migrate(): Promise<MigrationReport>;
  /** Every known migration, applied or pending. */
  status(): Promise<MigrationStatus[]>;
  /**
   * The random id of this database (stored by migration 0006): spools name it so their rows are never
   * replayed into another database. Needs the migrations applied.
   */
  id(): Promise<string>;
  /** Closes the pool, or this handle's share of the process's PGlite instance of its folder. Idempotent. */
  close(): Promise<void>;
}

/**
 * Opens the database described by `config`: PostgreSQL through a pg Pool when `url` is set, otherwise
 * embedded PGlite in `dataDir` (default ./data/db, created if missing). The connection is checked
 * before returning; failures throw {@link DatabaseError} with the URL redacted.
 */
export async function openDatabase(config: DatabaseConfig = {}): Promise<Database> {
  return config.url ? openPostgres(config.url, config) : openPGlite(config.dataDir);
}

async function openPostgres(url: string, config: DatabaseConfig): Promise<Database> {
  const target = redactUrl(url);
  const secrets = urlSecrets(url);
  const clean = (err: unknown): string =>
    scrubSecrets(err instanceof Error ? err.message : String(err), secrets);
  let pool;
  try {
    pool = await createPostgresPool(url, config);
  } catch (err) {
    throw new DatabaseError(`invalid PostgreSQL URL ${target}: ${clean(err)}`);
  }
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on('error', (err) =>
    logger().warn({ target, error: clean(err) }, 'idle PostgreSQL connection failed'),
  );
  // A checked-out client that loses its server emits 'error' with no listener (pg-pool only listens on idle
  // ones), which would crash the process; the failed query still rejects, so callers retry or spool.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  try {
    await sql`select 1`.execute(db);
  } catch (err) {
    await db.destroy().catch(() => undefined);
    // The cause is left off on purpose: pg errors can carry the connection parameters.
    throw new DatabaseError(`cannot connect to PostgreSQL at ${target}: ${clean(err) || describeCode(err)}`);
  }
  logger().debug({ target }, 'connected to PostgreSQL');
  return wrap(db, 'postgres', target);
}

/** PGlite instances open in this process, by data folder: one handle per folder, shared and ref-counted. */
const pgliteByDir = new Map<string, { opening: Promise<OpenedPGlite>; refs: number }>();

async function openPGlite(dataDir: string | undefined): Promise<Database> {
  const dir = pgliteDataDir(dataDir);
  const target = isMemoryDataDir(dir) ? 'PGlite (in memory)' : `PGlite at ${dir}`;
  // Each in-memory database is its own; a folder is opened once per process and shared.
  if (isMemoryDataDir(dir)) {
    const { db, close } = await startPGlite(dir, target);
    return wrap(db, 'pglite', target, close);
  }
  let shared = pgliteByDir.get(dir);
  if (!shared) {
    shared = { opening: startPGlite(dir, target), refs: 0 };
    pgliteByDir.set(dir, shared);
  }
  const entry = shared;
  entry.refs++;
  let opened: OpenedPGlite;
  try {
    opened = await entry.opening;
  } catch (err) {
    if (--entry.refs === 0 && pgliteByDir.get(dir) === entry) pgliteByDir.delete(dir);
    throw err;
  }
  return wrap(opened.db, 'pglite', target, async () => {
    if (--entry.refs > 0) return;
    if (pgliteByDir.get(dir) === entry) pgliteByDir.delete(dir);
    await opened.close();
  });
}

/** A started PGlite behind Kysely, and how to close both. */
interface OpenedPGlite {
  db: Kysely<DB>;
  close(): Promise<void>;
}

/** Opens PGlite in `dir`, holding the folder's cross-process lock (`<dir>.lock`) while it is open. */
async function startPGlite(dir: string, target: string): Promise<OpenedPGlite> {
  let lock: ProcessLock | undefined;
  try {
    if (!isMemoryDataDir(dir)) {
      lock = acquireProcessLock(`${dir}.lock`, `PGlite data folder ${dir}`);
      await fs.mkdir(dir, { recursive: true });
    }
    // Loaded lazily: the WASM module is only needed when the embedded database is used.
    const { PGlite } = await import('@electric-sql/pglite');
    const start = await pgliteStart(PGlite, dir, isMemoryDataDir(dir));
    const client = await PGlite.create(start.options);
    await start.created(client);
    const release = lock;
    const db = new Kysely<DB>({ dialect: new PGliteDialect(client, () => release?.release()) });
    logger().debug({ target }, 'opened PGlite');
    // Kysely destroys its driver only if a query initialised it: close the client (and free the lock) here
    // too, or a handle opened and closed without a query keeps PGlite, its lock and the process alive.
    const close = async (): Promise<void> => {
      try {
        await db.destroy();
        if (!client.closed) await client.close();
      } finally {
        release?.release();
      }
    };
    return { db, close };
  } catch (err) {
    lock?.release();
    if (err instanceof LockHeldError) throw new DatabaseError(`cannot open ${target}: ${err.message}`);
    throw new DatabaseError(`cannot open ${target}: ${describePGliteFailure(err)}`, { cause: err });
  }
}

function wrap(
  db: Kysely<DB>,
  dialect: Database['dialect'],
  target: string,
  destroy: () => Promise<void> = () => db.destroy(),
): Database {
  const migrator = createMigrator(db as Kysely<unknown>);
  let closed: Promise<void> | undefined;
  return {
    db,
    dialect,
    target,
    migrate: () => migrateToLatest(migrator, target),
    status: () => migrationStatus(migrator),
    close: () => (closed ??= destroy()),
    id: () => databaseId(db),
  };
}

/**
 * PGlite's CommonJS build loads parts of itself with dynamic import(), which jest's module sandbox only
 * allows with Node's --experimental-vm-modules flag (the project .npmrc sets it for npm and npx).
 */
function describePGliteFailure(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && code.startsWith('ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING')) {
    return `${message} (inside jest, PGlite needs NODE_OPTIONS=--experimental-vm-modules; run tests with npx jest / npm test, which set it from .npmrc)`;
  }
  return message;
}

/** Node network errors (e.g. AggregateError from ECONNREFUSED) can have an empty message. */
function describeCode(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' ? code : 'unknown error';
}
