/**
 * PostgreSQL for integration tests.
 *
 * Each test file gets its own throwaway database, so parallel helpers and reruns never share tables:
 *
 * ```ts
 * import { describePostgres, createTestDatabaseUrl, type TestDatabase } from '../helpers/postgres';
 *
 * describePostgres('my sink on PostgreSQL', () => {
 *   let testDb: TestDatabase;
 *   beforeAll(async () => { testDb = await createTestDatabaseUrl('sinks'); });
 *   afterAll(() => testDb.drop());
 *   it('writes rows', async () => { const database = await openDatabase({ url: testDb.url }); ... });
 * });
 * ```
 *
 * When Postgres is unreachable, `describePostgres` skips its tests with a printed reason — except under
 * `CI=true`, where it throws so the run fails instead of silently passing.
 * The server is `RXVISION_TEST_PG_URL` (default postgres://postgres@127.0.0.1:5432/postgres); the admin
 * database in that URL is only used to create and drop the per-test databases.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** URL of a database on the test server from which databases can be created and dropped. */
export const postgresAdminUrl =
  process.env.RXVISION_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A freshly created, empty database. */
export interface TestDatabase {
  /** Connection URL of the new database. */
  url: string;
  /** Its name (`rxvision_test_<label>_<random>`). */
  name: string;
  /** Drops it (terminating leftover connections). Safe to call twice. */
  drop(): Promise<void>;
}

let availability: { ok: true } | { ok: false; reason: string } | undefined;

/**
 * Whether the test server answers `select 1` (checked once, synchronously in a child process so it can
 * decide between `describe` and `describe.skip` while jest collects tests).
 */
export function postgresAvailable(): boolean {
  availability ??= probe();
  return availability.ok;
}

function probe(): { ok: true } | { ok: false; reason: string } {
  const script = `
    const { Client } = require('pg');
    const c = new Client({ connectionString: process.argv[1], connectionTimeoutMillis: 3000 });
    c.connect().then(() => c.query('select 1')).then(() => c.end()).then(
      () => process.exit(0),
      (e) => { process.stderr.write(String(e && (e.message || e.code))); process.exit(1); });`;
  const result = spawnSync(process.execPath, ['-e', script, postgresAdminUrl], {
    cwd: __dirname,
    encoding: 'utf8',
    timeout: 10_000,
  });
  if (result.status === 0) return { ok: true };
  return { ok: false, reason: (result.stderr || result.error?.message || 'no answer').trim() };
}

function server(): string {
  return postgresAdminUrl.replace(/\/\/[^@/]*@/, '//').replace(/\/[^/]*$/, '');
}

/**
 * `describe` when Postgres is reachable; otherwise `describe.skip` with a printed reason, or — under
 * CI=true — an error so the suite fails.
 */
export function describePostgres(name: string, fn: () => void): void {
  if (postgresAvailable()) {
    describe(name, fn);
    return;
  }
  const reason = availability && !availability.ok ? availability.reason : 'unknown';
  const message = `PostgreSQL at ${server()} is unreachable (${reason})`;
  if (process.env.CI === 'true')
    throw new Error(`${message}; integration tests must not be skipped under CI`);
  console.warn(`skipping "${name}": ${message}`);
  describe.skip(name, fn);
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

async function withAdmin<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: postgresAdminUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty database `rxvision_test_<label>_<random>` and returns its URL and a drop function. */
export async function createTestDatabaseUrl(label = 'db'): Promise<TestDatabase> {
  const safeLabel = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 30);
  const name = `rxvision_test_${safeLabel}_${randomBytes(5).toString('hex')}`;
  await withAdmin((c) => c.query(`create database ${quoteIdent(name)}`));
  const url = new URL(postgresAdminUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await withAdmin((c) => c.query(`drop database if exists ${quoteIdent(name)} with (force)`));
    },
  };
}

/** Runs `fn` with the URL of a fresh database that is dropped afterwards, even when `fn` throws. */
export async function withTestDatabase<T>(fn: (url: string) => Promise<T>, label?: string): Promise<T> {
  const testDb = await createTestDatabaseUrl(label);
  try {
    return await fn(testDb.url);
  } finally {
    await testDb.drop();
  }
}

/** Runs one query on its own connection (for tests that inspect what other processes wrote). */
export async function queryRows<T>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}
