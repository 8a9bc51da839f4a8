import type { CustomTypesConfig, Pool, PoolConfig } from 'pg';
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_QUERY_TIMEOUT_MS,
  type DatabaseConfig,
} from '../config/schema/root';

/** Postgres type OID of int8 / bigint (also what `count(*)` returns). */
const INT8_OID = 20;

/**
 * int8 as a JS number when it fits, a bigint otherwise: the same rule PGlite applies, so rows look
 * alike on both dialects (pg's default would be a string).
 */
export function parseInt8(text: string): number | bigint {
  const value = BigInt(text);
  return value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)
    ? value
    : Number(value);
}

/** pg's parsers (`pgTypes`), except int8 (text format) which goes through {@link parseInt8}. */
function poolTypes(pgTypes: typeof import('pg').types): CustomTypesConfig {
  return {
    getTypeParser: (oid: number, format?: 'text' | 'binary') =>
      oid === INT8_OID && format !== 'binary' ? parseInt8 : pgTypes.getTypeParser(oid, format),
  } as CustomTypesConfig;
}

/**
 * A pg Pool for `url` with our type parsing; does not connect until first used. pg is loaded here, when a
 * PostgreSQL database is opened, so that importing the library does not load it.
 */
export async function createPostgresPool(
  url: string,
  settings: Pick<DatabaseConfig, 'poolSize' | 'connectTimeoutMs' | 'queryTimeoutMs'> = {},
): Promise<Pool> {
  const pg = await import('pg');
  const queryTimeoutMs = settings.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
  const config: PoolConfig = {
    connectionString: url,
    max: settings.poolSize ?? 10,
    // An unreachable host should fail the write (retried, then spooled), not hang it.
    connectionTimeoutMillis: settings.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    // A server that accepts and stops answering: the client gives up (query_timeout) and the server
    // cancels what it runs (statement_timeout); keepalive notices a silently dropped connection.
    query_timeout: queryTimeoutMs,
    statement_timeout: queryTimeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    types: poolTypes(pg.types),
  };
  return new pg.Pool(config);
}
