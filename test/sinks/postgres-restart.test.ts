/**
 * The real thing: the PostgreSQL server is stopped and started again while a sink writes. This stops the
 * shared server, so it runs only where nothing else uses it at the same time: under CI (jest runs test
 * files one at a time) or with RXVISION_TEST_PG_RESTART=1. Elsewhere it is skipped with the reason printed;
 * the TCP-proxy outage test in kysely-sink.test.ts covers the same path without stopping the server.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import type { Kysely } from 'kysely';
import { concatMap, interval, lastValueFrom, map, take, tap, timer } from 'rxjs';
import { kyselySink } from '../../src/sinks/kysely';
import { createTestDatabaseUrl, describePostgres, type TestDatabase } from '../helpers/postgres';
import { postgresKysely, tempDir } from './support';

const enabled = process.env.CI === 'true' || process.env.RXVISION_TEST_PG_RESTART === '1';
const version = (() => {
  try {
    return readdirSync('/etc/postgresql').sort().at(-1);
  } catch {
    return undefined;
  }
})();

function cluster(action: 'start' | 'stop'): void {
  const args = [
    '--skip-systemctl-redirect',
    version!,
    'main',
    action,
    ...(action === 'stop' ? ['-m', 'fast'] : []),
  ];
  execFileSync('pg_ctlcluster', args, { stdio: 'pipe' });
}

function waitReady(): void {
  for (let i = 0; i < 60; i++) {
    if (spawnSync('pg_isready', ['-q', '-h', '127.0.0.1', '-p', '5432']).status === 0) return;
    spawnSync('sleep', ['0.5']);
  }
  throw new Error('PostgreSQL did not come back on 127.0.0.1:5432');
}

if (!enabled || !version) {
  describe('kyselySink across a real PostgreSQL restart', () => {
    it.skip(`skipped: ${!version ? 'no /etc/postgresql cluster' : 'stops the shared server; runs under CI=true or RXVISION_TEST_PG_RESTART=1'}`, () =>
      undefined);
  });
} else {
  describePostgres('kyselySink across a real PostgreSQL restart', () => {
    let testDb: TestDatabase;
    beforeAll(async () => {
      testDb = await createTestDatabaseUrl('restart');
    });
    afterAll(async () => {
      waitReady();
      await testDb?.drop();
    });

    it('spools while the server is down, replays when it is back: row count equals rows produced', async () => {
      const { db, close } = postgresKysely(testDb.url, { connectionTimeoutMillis: 1000 });
      const spool = tempDir('restart');
      try {
        await db.schema
          .createTable('events')
          .addColumn('id', 'integer', (c) => c.primaryKey())
          .addColumn('v', 'text')
          .execute();
        const produced = 400;
        let acked = 0;
        let restarted = false;
        const done = lastValueFrom(
          interval(10).pipe(
            take(produced),
            map((i) => ({ id: i, v: `row ${i}` })),
            kyselySink(db as Kysely<{ events: { id: number; v: string } }>, {
              table: 'events',
              batchSize: 20,
              flushMs: 50,
              conflict: { columns: ['id'], update: 'nothing' },
              retry: { attempts: 2, baseMs: 50, maxMs: 200 },
              probeMs: 200,
              spool: { dir: spool.dir },
            }),
            tap((ack) => {
              if (!ack.spooled) acked += ack.rows;
            }),
            // After the first ~100 rows are in, stop the server for two seconds, then start it again.
            concatMap(async (ack) => {
              if (!restarted && acked >= 100) {
                restarted = true;
                cluster('stop');
                await lastValueFrom(timer(2000));
                cluster('start');
                waitReady();
              }
              return ack;
            }),
          ),
        );
        await done;
        expect(restarted).toBe(true);
        const rows = await db
          .selectFrom('events')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow();
        expect(Number(rows.n)).toBe(produced);
        const distinct = await db
          .selectFrom('events')
          .select((eb) => eb.fn.count<number>('id').distinct().as('n'))
          .executeTakeFirstOrThrow();
        expect(Number(distinct.n)).toBe(produced);
      } finally {
        waitReady();
        await close();
        spool.remove();
      }
    }, 120_000);
  });
}
