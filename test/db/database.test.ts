import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { DatabaseError, jsonb, migrations, openDatabase, type Database } from '../../src/db';
import { createTestDatabaseUrl, describePostgres, type TestDatabase } from '../helpers/postgres';

const migrationNames = Object.keys(migrations);
const PGLITE_TIMEOUT_MS = 180_000;

async function tableNames(database: Database): Promise<string[]> {
  const { rows } = await sql<{ table_name: string }>`
    select table_name from information_schema.tables where table_schema = current_schema() order by table_name
  `.execute(database.db);
  return rows.map((r) => r.table_name);
}

/** The behaviour both dialects must share, run against a database opened by `open`. */
function sharedBehaviour(open: () => Promise<Database>): void {
  let database: Database;
  // Opening PGlite compiles its WASM and may run initdb: slow on a busy machine.
  beforeAll(async () => {
    database = await open();
  }, PGLITE_TIMEOUT_MS);
  afterAll(() => database?.close());

  it('lists every migration as pending before migrating and creates no tables', async () => {
    const status = await database.status();
    expect(status.map((s) => s.name)).toEqual(migrationNames);
    expect(status.every((s) => !s.applied && s.appliedAt === undefined)).toBe(true);
    expect(await tableNames(database)).not.toContain('pipeline_runs');
  });

  it('applies every migration and creates the tables', async () => {
    const report = await database.migrate();
    expect(report).toEqual({ applied: migrationNames, total: migrationNames.length });
    expect(await tableNames(database)).toEqual(expect.arrayContaining(['pipeline_runs', 'kysely_migration']));
    const status = await database.status();
    expect(status.map((s) => [s.name, s.applied])).toEqual(migrationNames.map((n) => [n, true]));
    expect(status.every((s) => s.appliedAt instanceof Date)).toBe(true);
  });

  it('treats a second migrate as a no-op', async () => {
    const before = await database.status();
    const report = await database.migrate();
    expect(report.applied).toEqual([]);
    expect(await database.status()).toEqual(before);
  });

  it('round-trips a pipeline run with the same value types on both dialects', async () => {
    const insert = await database.db
      .insertInto('pipeline_runs')
      .values({ kind: 'dedup', config_file: '/tmp/x.json', stats: jsonb({ files: 3, groups: [[1, 2]] }) })
      .executeTakeFirstOrThrow();
    expect(insert.numInsertedOrUpdatedRows).toBe(1n);
    const row = await database.db
      .selectFrom('pipeline_runs')
      .selectAll()
      .where('config_file', '=', '/tmp/x.json')
      .executeTakeFirstOrThrow();
    expect(typeof row.id).toBe('number');
    expect(row.kind).toBe('dedup');
    expect(row.status).toBe('running');
    expect(row.started_at).toBeInstanceOf(Date);
    expect(row.ended_at).toBeNull();
    expect(row.stats).toEqual({ files: 3, groups: [[1, 2]] });
    const updated = await database.db
      .updateTable('pipeline_runs')
      .set({ status: 'succeeded', ended_at: new Date() })
      .where('id', '=', row.id)
      .executeTakeFirstOrThrow();
    expect(updated.numUpdatedRows).toBe(1n);
    const { count } = await database.db
      .selectFrom('pipeline_runs')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .executeTakeFirstOrThrow();
    expect(count).toBe(1);
  });

  it('enforces the kind check constraint', async () => {
    await expect(sql`insert into pipeline_runs (kind) values ('other')`.execute(database.db)).rejects.toThrow(
      /check constraint/,
    );
  });

  it('keeps a rolled-back transaction invisible to a query issued while it was open', async () => {
    let releaseTransaction!: () => void;
    const transactionMayEnd = new Promise<void>((resolve) => (releaseTransaction = resolve));
    let insertedInside!: () => void;
    const rowInserted = new Promise<void>((resolve) => (insertedInside = resolve));
    const transaction = database.db
      .transaction()
      .execute(async (trx) => {
        await trx
          .insertInto('pipeline_runs')
          .values({ kind: 'camera', config_file: 'rolled-back' })
          .execute();
        insertedInside();
        await transactionMayEnd;
        throw new Error('roll back');
      })
      .catch((err: Error) => err.message);
    await rowInserted;
    const outside = database.db
      .selectFrom('pipeline_runs')
      .select('id')
      .where('config_file', '=', 'rolled-back')
      .execute();
    releaseTransaction();
    expect(await transaction).toBe('roll back');
    expect(await outside).toEqual([]);
  });
}

describe('openDatabase with PGlite in memory', () => {
  sharedBehaviour(async () => {
    const database = await openDatabase({ dataDir: ':memory:' });
    expect(database.dialect).toBe('pglite');
    return database;
  });
});

describe('openDatabase with PGlite in a data directory', () => {
  let root: string;
  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'rxvision-db-'));
  });
  afterAll(() => fs.rm(root, { recursive: true, force: true }));

  describe('shared behaviour', () => {
    sharedBehaviour(() => openDatabase({ dataDir: path.join(root, 'shared', 'nested', 'db') }));
  });

  it(
    'creates a missing directory and keeps schema and rows across reopening',
    async () => {
      const dir = path.join(root, 'persist', 'db');
      const first = await openDatabase({ dataDir: dir });
      try {
        await first.migrate();
        await first.db.insertInto('pipeline_runs').values({ kind: 'camera', config_file: 'kept' }).execute();
      } finally {
        await first.close();
      }
      expect((await fs.stat(dir)).isDirectory()).toBe(true);
      const second = await openDatabase({ dataDir: dir });
      try {
        expect((await second.migrate()).applied).toEqual([]);
        const rows = await second.db.selectFrom('pipeline_runs').select('config_file').execute();
        expect(rows).toEqual([{ config_file: 'kept' }]);
      } finally {
        await second.close();
      }
    },
    PGLITE_TIMEOUT_MS,
  );

  it('names the directory when it cannot be created', async () => {
    const blocker = path.join(root, 'a-file');
    await fs.writeFile(blocker, 'not a directory');
    const err = await openDatabase({ dataDir: path.join(blocker, 'db') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseError);
    expect((err as Error).message).toContain(path.join(blocker, 'db'));
  });
});

describePostgres('openDatabase with PostgreSQL', () => {
  let testDb: TestDatabase;
  beforeAll(async () => {
    testDb = await createTestDatabaseUrl('db_layer');
  });
  afterAll(() => testDb?.drop());

  describe('shared behaviour', () => {
    sharedBehaviour(async () => {
      const database = await openDatabase({ url: testDb.url, poolSize: 2 });
      expect(database.dialect).toBe('postgres');
      return database;
    });
  });

  it('lets two processes-worth of connections migrate concurrently without applying twice', async () => {
    const other = await createTestDatabaseUrl('db_concurrent');
    const a = await openDatabase({ url: other.url });
    const b = await openDatabase({ url: other.url });
    try {
      const [ra, rb] = await Promise.all([a.migrate(), b.migrate()]);
      expect([...ra.applied, ...rb.applied].sort()).toEqual(migrationNames);
    } finally {
      await Promise.all([a.close(), b.close()]);
      await other.drop();
    }
  });
});

describe('connection errors never reveal the password', () => {
  const password = 'Sup3r$ecret';
  const encoded = encodeURIComponent(password);

  it('refused connection: names host and database, hides the password', async () => {
    const err = await openDatabase({ url: `postgres://rx:${encoded}@127.0.0.1:1/analytics` }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DatabaseError);
    const text = `${(err as Error).message}\n${(err as Error).stack}`;
    expect((err as Error).message).toContain('127.0.0.1:1/analytics');
    expect(text).not.toContain(password);
    expect(text).not.toContain(encoded);
  });

  it('password in a query parameter is hidden too', async () => {
    const err = await openDatabase({ url: `postgres://rx@127.0.0.1:1/analytics?password=${encoded}` }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DatabaseError);
    expect(`${(err as Error).message}\n${(err as Error).stack}`).not.toContain(encoded);
  });
});

describePostgres('connection errors from a live server', () => {
  it('missing database: names it, hides the password', async () => {
    const err = await openDatabase({
      url: 'postgres://postgres:Hidden-Pw-42@127.0.0.1:5432/rxvision_no_such_database',
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseError);
    expect((err as Error).message).toContain('rxvision_no_such_database');
    expect(`${(err as Error).message}\n${(err as Error).stack}`).not.toContain('Hidden-Pw-42');
  });
});
