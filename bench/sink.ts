/**
 * Sink throughput: rows/s through `kyselySink` (batch 200 / 500 ms, one writer) into PostgreSQL and
 * PGlite, against single-row INSERTs awaited one after the other on the same database, in one run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import { from, lastValueFrom, reduce } from 'rxjs';
import { openDatabase, type Database } from '../src/db';
import { kyselySink } from '../src/sinks/kysely';
import { fmt, ratio } from './lib/measure';
import { createThrowawayDatabase } from './lib/postgres';
import type { BenchDefinition, CaseContext } from './lib/types';

const TABLE = 'bench_rows';

/** A row shaped like a `detections` row (8 columns written, one defaulted). */
interface BenchRow {
  channel_id: string;
  frame_seq: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  score: number;
  captured_at: Date;
}

function rows(n: number, offset = 0): BenchRow[] {
  return Array.from({ length: n }, (_, i) => ({
    channel_id: `cam${(offset + i) % 8}`,
    frame_seq: offset + i,
    x1: 10 + (i % 100),
    y1: 20,
    x2: 110 + (i % 100),
    y2: 140,
    score: 0.9,
    captured_at: new Date(),
  }));
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

async function createTable(db: AnyDb): Promise<void> {
  await sql`create table ${sql.table(TABLE)} (
    id bigserial primary key, channel_id text not null, frame_seq integer not null,
    x1 real not null, y1 real not null, x2 real not null, y2 real not null, score real not null,
    captured_at timestamptz not null, written_at timestamptz not null default clock_timestamp())`.execute(db);
  await sql`create index on ${sql.table(TABLE)} (channel_id, captured_at)`.execute(db);
}

interface SinkMeasurement {
  mode: 'batched' | 'single';
  rows: number;
  seconds: number;
  rowsPerSecond: number;
}

async function batched(db: AnyDb, n: number): Promise<SinkMeasurement> {
  const data = rows(n);
  const start = performance.now();
  const written = await lastValueFrom(
    from(data).pipe(
      kyselySink(db as Kysely<{ [TABLE]: BenchRow }>, { table: TABLE, batchSize: 200, flushMs: 500 }),
      reduce((sum, ack) => sum + ack.rows, 0),
    ),
  );
  const seconds = (performance.now() - start) / 1000;
  if (written !== n) throw new Error(`sink bench: wrote ${written} rows, expected ${n}`);
  return { mode: 'batched', rows: n, seconds, rowsPerSecond: n / seconds };
}

async function single(db: AnyDb, durationMs: number): Promise<SinkMeasurement> {
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < durationMs) {
    await db.insertInto(TABLE).values(rows(1, n)[0]).execute();
    n++;
  }
  const seconds = (performance.now() - start) / 1000;
  return { mode: 'single', rows: n, seconds, rowsPerSecond: n / seconds };
}

interface SinkCaseResult {
  database: 'postgres' | 'pglite';
  measurements: SinkMeasurement[];
}

async function runCase(caseId: string, ctx: CaseContext): Promise<SinkCaseResult> {
  const n = ctx.quick ? 20_000 : 60_000;
  const singleMs = ctx.quick ? 2000 : 5000;
  const rounds = ctx.quick ? 1 : 2;
  let database: Database;
  let cleanup: () => Promise<void>;
  if (caseId === 'postgres') {
    const throwaway = await createThrowawayDatabase('sink');
    database = await openDatabase({ url: throwaway.url });
    cleanup = async () => {
      await database.close();
      await throwaway.drop();
    };
  } else {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rxv-bench-pglite-'));
    database = await openDatabase({ dataDir: dir });
    cleanup = async () => {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    };
  }
  const measurements: SinkMeasurement[] = [];
  try {
    const db = database.db as unknown as AnyDb;
    await createTable(db);
    await batched(db, 2000); // warm-up
    await single(db, 300);
    for (let r = 0; r < rounds; r++) {
      const b = await batched(db, n);
      ctx.progress(`round ${r + 1}: batched ${fmt(b.rowsPerSecond)} rows/s (${n} rows)`);
      const s = await single(db, singleMs);
      ctx.progress(`round ${r + 1}: single-row ${fmt(s.rowsPerSecond)} rows/s`);
      measurements.push(b, s);
    }
  } finally {
    await cleanup();
  }
  return { database: caseId as 'postgres' | 'pglite', measurements };
}

export const sink: BenchDefinition = {
  name: 'sink',
  title: 'Sink: batched kyselySink vs single-row inserts',
  cases: () => ['postgres', 'pglite'],
  caseTimeoutMs: () => 180_000,
  runCase,
  summarize(data) {
    const results = ['postgres', 'pglite']
      .map((c) => data[c] as SinkCaseResult | undefined)
      .filter((r): r is SinkCaseResult => !!r);
    const best = (r: SinkCaseResult, mode: SinkMeasurement['mode']) =>
      Math.max(...r.measurements.filter((m) => m.mode === mode).map((m) => m.rowsPerSecond));
    return {
      baseline: 'single-row INSERTs awaited one after the other, same database, same run',
      tables: [
        {
          columns: [
            'database',
            'kyselySink batch 200 / 500 ms (rows/s)',
            'single-row inserts (rows/s)',
            'speed-up',
          ],
          rows: results.map((r) => [
            r.database === 'postgres' ? 'PostgreSQL 127.0.0.1 (pg pool)' : 'PGlite (file-backed, in-process)',
            fmt(best(r, 'batched')),
            fmt(best(r, 'single')),
            ratio(best(r, 'batched'), best(r, 'single')),
          ]),
        },
      ],
      notes: [
        'Rows shaped like `detections` (8 columns + defaulted id and written_at, one index). Best of the rounds. ' +
          'The batched sink is fed as fast as it takes rows; chunking stays under the 65535-parameter limit.',
      ],
      data: results,
    };
  },
};
