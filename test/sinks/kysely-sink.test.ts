import { writeFileSync, readFileSync, existsSync } from 'node:fs';
import { sql, type Kysely } from 'kysely';
import {
  Observable,
  Subject,
  from,
  lastValueFrom,
  toArray,
  concat,
  throwError,
  type Subscription,
} from 'rxjs';
import { metricsRegistry } from '../../src/metrics/registry';
import { kyselySink, Spool, SinkWriteError, type SinkAck } from '../../src/sinks';
import { describePostgres, createTestDatabaseUrl, type TestDatabase } from '../helpers/postgres';
import { postgresKysely, pgliteKysely, tempDir, type TestKysely } from './support';

interface EventRow {
  id: number;
  label: string;
  score: number;
}

/** Test tables are created per test under fresh names, all with the columns of {@link EventRow}. */
type EventTables = Record<string, EventRow>;
const events = (db: TestKysely['db']): Kysely<EventTables> => db;

const rowsOf = (from_: number, to: number, label = 'a'): EventRow[] =>
  Array.from({ length: to - from_ }, (_, i) => ({ id: from_ + i, label, score: (from_ + i) % 7 }));

let tableCounter = 0;

async function createTable(db: TestKysely['db']): Promise<string> {
  const table = `sink_events_${++tableCounter}`;
  await sql`create table ${sql.table(table)} (id integer primary key, label text not null, score integer check (score >= 0))`.execute(
    db,
  );
  return table;
}

async function count(db: TestKysely['db'], table: string): Promise<number> {
  const r = await sql<{ n: string }>`select count(*)::text as n from ${sql.table(table)}`.execute(db);
  return Number(r.rows[0].n);
}

const sum = (acks: SinkAck[], pick: (a: SinkAck) => boolean = () => true): number =>
  acks.filter(pick).reduce((n, a) => n + a.rows, 0);

/** The behaviour both dialects must share. */
function sinkBehaviour(open: () => Promise<TestKysely>): void {
  let conn: TestKysely;
  beforeAll(async () => {
    conn = await open();
  });
  afterAll(() => conn?.close());

  it('chunks a batch whose bind parameters exceed 65535 and writes every row', async () => {
    const table = await createTable(conn.db);
    const rows = rowsOf(0, 25_000); // 3 columns x 25,000 rows = 75,000 parameters in one batch
    const acks = await lastValueFrom(
      from(rows).pipe(kyselySink(events(conn.db), { table, batchSize: 25_000, flushMs: 1000 }), toArray()),
    );
    expect(acks).toHaveLength(1);
    expect(acks[0]).toMatchObject({ table, rows: 25_000, spooled: false, attempt: 1 });
    expect(await count(conn.db, table)).toBe(25_000);
  });

  it('is idempotent with ON CONFLICT DO NOTHING: writing the same rows twice keeps one copy', async () => {
    const table = await createTable(conn.db);
    const run = () =>
      lastValueFrom(
        from(rowsOf(0, 450)).pipe(
          kyselySink(events(conn.db), {
            table,
            batchSize: 100,
            conflict: { columns: ['id'], update: 'nothing' },
          }),
          toArray(),
        ),
      );
    const first = await run();
    const second = await run();
    expect(sum(first)).toBe(450);
    expect(first.map((a) => a.rows)).toEqual([100, 100, 100, 100, 50]);
    expect(sum(second)).toBe(450);
    expect(await count(conn.db, table)).toBe(450);
  });

  it('de-duplicates rows with the same conflict key inside one batch (DO UPDATE: the last row wins)', async () => {
    const table = await createTable(conn.db);
    const rows: EventRow[] = [
      { id: 1, label: 'first', score: 1 },
      { id: 2, label: 'only', score: 2 },
      { id: 1, label: 'second', score: 3 },
      { id: 1, label: 'third', score: 4 },
    ];
    const acks = await lastValueFrom(
      from(rows).pipe(
        kyselySink(events(conn.db), {
          table,
          batchSize: 10,
          conflict: { columns: ['id'], update: ['label', 'score'] },
        }),
        toArray(),
      ),
    );
    expect(acks).toEqual([expect.objectContaining({ rows: 2, duplicates: 2, spooled: false })]);
    const stored = await conn.db.selectFrom(table).select(['id', 'label', 'score']).orderBy('id').execute();
    expect(stored).toEqual([
      { id: 1, label: 'third', score: 4 },
      { id: 2, label: 'only', score: 2 },
    ]);
  });

  it('reports a permanent error naming the table and the first bad row, without retrying', async () => {
    const table = await createTable(conn.db);
    const rows = rowsOf(0, 50);
    rows[37] = { id: 37, label: 'bad', score: -5 }; // violates the check constraint
    rows[41] = { id: 41, label: 'bad too', score: -1 };
    let error: unknown;
    const acks: SinkAck[] = [];
    await new Promise<void>((resolve) =>
      from(rows)
        .pipe(
          kyselySink(events(conn.db), {
            table,
            batchSize: 50,
            retry: { attempts: 3, baseMs: 1, maxMs: 2 },
          }),
        )
        .subscribe({ next: (a) => acks.push(a), error: (e) => ((error = e), resolve()), complete: resolve }),
    );
    expect(error).toBeInstanceOf(SinkWriteError);
    const e = error as SinkWriteError;
    expect(e.message).toContain(table);
    expect(e.message).toContain('{"id":37}');
    expect(e.badRowKey).toEqual({ id: 37 });
    expect(e.transient).toBe(false);
    expect(acks).toEqual([]);
    // The batch is one transaction: nothing of it was kept.
    expect(await count(conn.db, table)).toBe(0);
  });

  it('names the table when it does not exist (no row is blamed)', async () => {
    const run = lastValueFrom(
      from(rowsOf(0, 3)).pipe(kyselySink(events(conn.db), { table: 'no_such_table' })),
    );
    await expect(run).rejects.toThrow(/insert into no_such_table failed: .*no_such_table/);
    await expect(run).rejects.not.toThrow(/first bad row/);
  });

  it('writes the rows that arrived before a source error, then propagates the error', async () => {
    const table = await createTable(conn.db);
    const source = concat(
      from(rowsOf(0, 130)),
      throwError(() => new Error('camera lost')),
    );
    const acks: SinkAck[] = [];
    const error = await new Promise<unknown>((resolve) =>
      source
        .pipe(kyselySink(events(conn.db), { table, batchSize: 100, flushMs: 60_000 }))
        .subscribe({ next: (a) => acks.push(a), error: resolve, complete: () => resolve(undefined) }),
    );
    expect((error as Error).message).toBe('camera lost');
    expect(sum(acks)).toBe(130);
    expect(await count(conn.db, table)).toBe(130);
  });

  it('replays an existing spool on start-up before newer rows, then empties it', async () => {
    const table = await createTable(conn.db);
    const tmp = tempDir('spool');
    try {
      const spool = await Spool.open<EventRow>(tmp.dir, table);
      await spool.append(rowsOf(0, 20, 'spooled'));
      spool.release();
      // A crash mid-append leaves a cut line: it was never acknowledged and must be dropped, not fail the replay.
      writeFileSync(
        Spool.fileFor(tmp.dir, table),
        readFileSync(Spool.fileFor(tmp.dir, table), 'utf8') + '{"id":99,',
      );
      const acks = await lastValueFrom(
        from(rowsOf(20, 30, 'new')).pipe(
          kyselySink(events(conn.db), { table, batchSize: 100, spool: { dir: tmp.dir } }),
          toArray(),
        ),
      );
      expect(acks.map((a) => [a.rows, a.replayed === true])).toEqual([
        [20, true],
        [10, false],
      ]);
      expect(await count(conn.db, table)).toBe(30);
      expect(readFileSync(Spool.fileFor(tmp.dir, table), 'utf8')).toBe('');
    } finally {
      tmp.remove();
    }
  });

  it('subscribes its source at once: rows a hot source emits while the spool opens are written', async () => {
    const table = await createTable(conn.db);
    const tmp = tempDir('spool');
    try {
      const hot = new Subject<EventRow>();
      const acks = lastValueFrom(
        hot.pipe(kyselySink(events(conn.db), { table, batchSize: 100, spool: { dir: tmp.dir } }), toArray()),
      );
      // Synchronously after subscribing: the spool (mkdir, lock, scan) cannot have opened yet.
      for (const row of rowsOf(0, 5, 'early')) hot.next(row);
      hot.complete();
      expect(sum(await acks)).toBe(5);
      expect(await count(conn.db, table)).toBe(5);
    } finally {
      tmp.remove();
    }
  });
}

describe('kyselySink on PGlite (in memory)', () => {
  sinkBehaviour(pgliteKysely);
});

describePostgres('kyselySink on PostgreSQL', () => {
  let testDb: TestDatabase;
  beforeAll(async () => {
    testDb = await createTestDatabaseUrl('sinks');
  });
  afterAll(() => testDb?.drop());

  describe('shared behaviour', () => {
    sinkBehaviour(async () => postgresKysely(testDb.url));
  });

  it('spools without a database and loses nothing when it never comes back during the run', async () => {
    const tmp = tempDir('spool-down');
    // Port 1 on localhost: connection refused, a transient error.
    const down = postgresKysely('postgres://postgres@127.0.0.1:1/none', { connectionTimeoutMillis: 1000 });
    try {
      const acks = await lastValueFrom(
        from(rowsOf(0, 25)).pipe(
          kyselySink(events(down.db), {
            table: 'events_offline',
            batchSize: 10,
            retry: { attempts: 2, baseMs: 1, maxMs: 5 },
            spool: { dir: tmp.dir },
          }),
          toArray(),
        ),
      );
      expect(acks.every((a) => a.spooled)).toBe(true);
      expect(sum(acks)).toBe(25);
      const spool = await Spool.open<EventRow>(tmp.dir, 'events_offline');
      expect(await spool.read()).toEqual(rowsOf(0, 25));
      spool.release();
    } finally {
      await down.close();
      tmp.remove();
    }
  });

  it('without a spool, an unreachable database ends the stream with a transient error naming the table', async () => {
    const down = postgresKysely('postgres://postgres@127.0.0.1:1/none', { connectionTimeoutMillis: 1000 });
    try {
      const run = lastValueFrom(
        from(rowsOf(0, 5)).pipe(
          kyselySink(events(down.db), {
            table: 'events_nowhere',
            retry: { attempts: 2, baseMs: 1, maxMs: 5 },
          }),
        ),
      );
      await expect(run).rejects.toThrow(/events_nowhere unreachable after 2 attempt/);
    } finally {
      await down.close();
    }
  });

  it('keeps running through a database outage: spools, replays in order, no row lost or duplicated', async () => {
    const { TcpProxy } = await import('./support');
    const target = new URL(testDb.url);
    const proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    await proxy.start();
    const viaProxy = new URL(testDb.url);
    viaProxy.port = String(proxy.port);
    const conn = postgresKysely(viaProxy.toString(), { connectionTimeoutMillis: 1000 });
    const direct = postgresKysely(testDb.url);
    const tmp = tempDir('outage');
    let stopSink = (): void => undefined;
    try {
      const table = await createTable(direct.db);
      const batchSize = 50;
      let next: (row: EventRow) => void = () => undefined;
      let end: () => void = () => undefined;
      let markSubscribed!: () => void;
      const subscribed = new Promise<void>((resolve) => (markSubscribed = resolve));
      const source = new Observable<EventRow>((sub) => {
        next = (r) => sub.next(r);
        end = () => sub.complete();
        markSubscribed();
      });
      const acks: SinkAck[] = [];
      let onAck: () => void = () => undefined;
      let produced = 0;
      let subscription: Subscription | undefined;
      const finished = new Promise<void>((resolve, reject) => {
        subscription = source
          .pipe(
            kyselySink(events(conn.db), {
              table,
              batchSize,
              flushMs: 60_000, // batches are cut by size only, so each push below is exactly one batch
              conflict: { columns: ['id'], update: 'nothing' },
              retry: { attempts: 2, baseMs: 5, maxMs: 20 },
              probeMs: 0,
              spool: { dir: tmp.dir },
            }),
          )
          .subscribe({ next: (a) => (acks.push(a), onAck()), error: reject, complete: resolve });
      });
      stopSink = () => subscription?.unsubscribe();
      await subscribed; // the sink subscribes to its source once its spool is open
      /** Pushes one batch and waits until the sink acknowledged it (written or spooled). */
      const pushBatch = async (): Promise<SinkAck[]> => {
        const before = acks.length;
        const acked = new Promise<void>((resolve) => {
          onAck = () => {
            if (acks.slice(before).some((a) => !a.replayed)) resolve();
          };
        });
        for (let i = 0; i < batchSize; i++)
          next({ id: produced, label: `row${produced}`, score: produced++ % 5 });
        await acked;
        return acks.slice(before);
      };

      for (let i = 0; i < 4; i++)
        expect(await pushBatch()).toEqual([expect.objectContaining({ spooled: false })]);

      await proxy.cut();
      for (let i = 0; i < 4; i++)
        expect(await pushBatch()).toEqual([expect.objectContaining({ spooled: true })]);
      expect(await count(direct.db, table)).toBe(200);
      const spoolFile = Spool.fileFor(tmp.dir, table);
      expect(readFileSync(spoolFile, 'utf8').trim().split('\n')).toHaveLength(200);

      await proxy.restore();
      // The first batch after the database answers replays the spool first, then is written itself.
      const afterRestore = await pushBatch();
      expect(afterRestore.map((a) => [a.rows, a.replayed === true, a.spooled])).toEqual([
        [200, true, false],
        [50, false, false],
      ]);
      expect(readFileSync(spoolFile, 'utf8')).toBe('');
      for (let i = 0; i < 2; i++) await pushBatch();
      end();
      await finished;

      expect(produced).toBe(550);
      expect(await count(direct.db, table)).toBe(550);
      const distinct = await sql<{
        n: string;
      }>`select count(distinct id)::text as n from ${sql.table(table)}`.execute(direct.db);
      expect(Number(distinct.rows[0].n)).toBe(550);
      expect(sum(acks, (a) => !a.spooled)).toBe(550);
      expect(existsSync(spoolFile)).toBe(true);

      const metricValue = async (metric: string) =>
        (await metricsRegistry.getSingleMetric(metric)!.get()).values.find((v) => v.labels.table === table)
          ?.value;
      expect(await metricValue('rxvision_sink_rows_total')).toBe(550);
      expect(await metricValue('rxvision_sink_spool_rows')).toBe(0);
      expect(await metricValue('rxvision_sink_retries_total')).toBeGreaterThanOrEqual(1);
    } finally {
      stopSink(); // a failed assertion must not leave the sink running (jest would never exit)
      await proxy.cut();
      await conn.close();
      await direct.close();
      tmp.remove();
    }
  });
});
