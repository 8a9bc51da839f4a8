/**
 * Database faults with real processes (the built CLI) and a real PostgreSQL of the test's own: an outage,
 * a server that hangs, SIGKILL + restart, SIGTERM, and two processes on one PGlite folder. Each case
 * prints its figures (the README's Reliability table). Needs `npx tsc -p tsconfig.json` first.
 */
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assetPath } from '../../src/assets';
import { openDatabase } from '../../src/db';
import { startCli as startCliProcess, type CliExit, type CliProcess } from './helpers/cli-process';
import { startHangProxy, startPgCluster, type HangProxy, type PgCluster } from './helpers/pg-cluster';
import { queryRows } from '../helpers/postgres';

jest.setTimeout(300_000);

/** Every CLI started here, so a failed case leaves no process behind. */
const started: CliProcess[] = [];
function startCli(args: string[], cwd: string): CliProcess {
  const cli = startCliProcess(args, cwd);
  started.push(cli);
  return cli;
}
afterEach(() => {
  for (const cli of started.splice(0))
    if (cli.child.exitCode === null && cli.child.signalCode === null) cli.kill('SIGKILL');
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const video = assetPath('samples', 'Megamind.avi');

interface Summary {
  runId: number;
  channels: Array<{ id: string; faces: number; frames: number }>;
  rows: { detections: number; statusEvents: number; spooled: number };
}

function workdir(config: object): { dir: string; file: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rxv-faults-'));
  const file = path.join(dir, 'run.json');
  writeFileSync(file, JSON.stringify(config));
  return { dir, file };
}

/** `n` looping channels of a video with a face, at a low frame rate (short runs, enough rows). */
function channels(n: number, pace = 8) {
  return Array.from({ length: n }, (_, i) => ({ id: `cam${i + 1}`, source: video, loop: true, pace }));
}

function summaryOf(exit: CliExit): Summary {
  const last = exit.stdout.trim().split('\n').at(-1);
  if (!last) throw new Error(`no summary on stdout; stderr:\n${exit.stderr.slice(-3000)}`);
  return JSON.parse(last) as Summary;
}

/** Stored detection rows of a run, and how many distinct keys they have. */
async function detectionCounts(url: string, runId: number): Promise<{ rows: number; distinct: number }> {
  const [r] = await queryRows<{ rows: string; distinct: string }>(
    url,
    `select count(*) as rows, count(distinct (channel_id, frame_seq, idx)) as distinct
       from detections where run_id = $1`,
    [runId],
  );
  return { rows: Number(r.rows), distinct: Number(r.distinct) };
}

/** Rows waiting in a spool file (its header line excluded). */
function spoolRows(file: string): number {
  if (!existsSync(file)) return 0;
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0 && !l.startsWith('{"$spool"')).length;
}

const sumFaces = (s: Summary) => s.channels.reduce((n, c) => n + c.faces, 0);

describe('database faults (real processes, real PostgreSQL)', () => {
  let cluster: PgCluster;
  let proxy: HangProxy;
  let databases = 0;

  /** A fresh database on the cluster; its URL direct or through the hang proxy. */
  async function freshDatabase(): Promise<{ direct: string; proxied: string }> {
    const name = `faults_${++databases}`;
    await queryRows(cluster.url, `create database ${name}`);
    return {
      direct: `postgres://postgres@127.0.0.1:${cluster.port}/${name}`,
      proxied: `postgres://postgres@127.0.0.1:${proxy.port}/${name}`,
    };
  }

  beforeAll(async () => {
    cluster = await startPgCluster();
    proxy = await startHangProxy(cluster.port);
  });
  afterAll(async () => {
    await proxy?.close();
    cluster?.destroy();
  });

  it('PostgreSQL stopped for 10 s, then hung for 10 s, during a 4-channel run: every row stored once, memory bounded', async () => {
    const db = await freshDatabase();
    const { dir, file } = workdir({ database: { url: db.proxied }, channels: channels(4) });
    const run = startCli(
      [
        'run',
        file,
        '--json',
        '--no-status',
        '--duration',
        '34',
        '--db-connect-timeout',
        '1000',
        '--db-query-timeout',
        '1000',
      ],
      dir,
    );
    await run.waitFor(/"state":"live"/);
    await sleep(3000);

    cluster.stop('fast');
    await sleep(10_000);
    cluster.start();
    await sleep(4000);

    const mark = run.stderr().length;
    const hungAt = Date.now();
    proxy.hang();
    await run.waitFor(/spooling batch/, 20_000, mark);
    const toSpoolMs = Date.now() - hungAt;
    await sleep(Math.max(0, 10_000 - toSpoolMs));
    proxy.forward();

    const exit = await run.exited;
    expect(exit.code).toBe(0);
    const summary = summaryOf(exit);
    const stored = await detectionCounts(db.direct, summary.runId);
    const [status] = await queryRows<{ rows: string; distinct: string }>(
      db.direct,
      `select count(*) as rows, count(distinct (channel_id, seq)) as distinct from channel_status_events where run_id = $1`,
      [summary.runId],
    );
    console.log(
      `outage+hang: ${sumFaces(summary)} detections produced, ${stored.rows} stored, ${stored.rows - stored.distinct} duplicates; ` +
        `${summary.rows.spooled} rows went through the spool; hung server -> spool after ${(toSpoolMs / 1000).toFixed(1)} s; ` +
        `peak RSS ${exit.peakRssMiB.toFixed(0)} MiB`,
    );
    expect(summary.rows.spooled).toBeGreaterThan(0);
    expect(sumFaces(summary)).toBeGreaterThan(100);
    expect(stored.rows).toBe(sumFaces(summary));
    expect(stored.distinct).toBe(stored.rows);
    expect(summary.rows.detections).toBe(stored.rows);
    expect(Number(status.distinct)).toBe(Number(status.rows));
    expect(spoolRows(path.join(dir, 'data', 'spool', 'detections.jsonl'))).toBe(0);
    expect(exit.peakRssMiB).toBeLessThan(700);
  });

  it('SIGKILL mid-run, then a restart: every row acknowledged before the kill is stored exactly once', async () => {
    const db = await freshDatabase();
    const { dir, file } = workdir({ database: { url: db.direct }, channels: channels(2) });
    const args = ['--json', '--no-status', '--db-connect-timeout', '1000', '--db-query-timeout', '1000'];
    const run = startCli(['run', file, ...args, '--duration', '60'], dir);
    await run.waitFor(/"state":"live"/);
    await sleep(3000);
    // Rows acknowledged by then are either committed or fsync'd into the spool while the server is away.
    cluster.stop('fast');
    const mark = run.stderr().length;
    await run.waitFor(/spooling batch/, 20_000, mark);
    await sleep(1500);
    run.kill('SIGKILL');
    await run.exited;
    cluster.start();

    const [{ id: runId }] = await queryRows<{ id: string }>(
      db.direct,
      'select max(id) as id from pipeline_runs',
    );
    const committed = (await detectionCounts(db.direct, Number(runId))).rows;
    const spooled = spoolRows(path.join(dir, 'data', 'spool', 'detections.jsonl'));
    expect(spooled).toBeGreaterThan(0);

    // The restart finds the spool (its lock left by a dead process is taken over) and replays it.
    const again = await startCli(['run', file, ...args, '--frames', '5'], dir).exited;
    expect(again.code).toBe(0);
    const stored = await detectionCounts(db.direct, Number(runId));
    console.log(
      `SIGKILL: ${committed} committed + ${spooled} spooled before the kill; after the restart ${stored.rows} stored, ` +
        `${stored.rows - stored.distinct} duplicates`,
    );
    expect(stored.rows).toBe(committed + spooled);
    expect(stored.distinct).toBe(stored.rows);
    expect(spoolRows(path.join(dir, 'data', 'spool', 'detections.jsonl'))).toBe(0);
  });

  it('SIGTERM: buffered rows are flushed and the process exits within 5 s', async () => {
    const db = await freshDatabase();
    const { dir, file } = workdir({ database: { url: db.direct }, channels: channels(2) });
    const run = startCli(['run', file, '--json', '--no-status', '--duration', '60'], dir);
    await run.waitFor(/"state":"live"/);
    await sleep(3000);
    const signalled = Date.now();
    run.kill('SIGTERM');
    const exit = await run.exited;
    const exitMs = exit.exitedAt - signalled;
    const summary = summaryOf(exit);
    const stored = await detectionCounts(db.direct, summary.runId);
    console.log(
      `SIGTERM: exit ${exit.code} after ${(exitMs / 1000).toFixed(2)} s; ${stored.rows} of ${sumFaces(summary)} detections stored`,
    );
    expect(exitMs).toBeLessThan(5000);
    expect(stored.rows).toBe(sumFaces(summary));
    expect(stored.distinct).toBe(stored.rows);
  });

  it('two processes on one PGlite folder: the second refuses, naming the holder; the database is intact after', async () => {
    const { dir, file } = workdir({ database: { dataDir: 'db' }, channels: channels(1) });
    const dataDir = path.join(dir, 'db');
    const holder = startCli(['run', file, '--json', '--no-status', '--duration', '120'], dir);
    // Creating a PGlite folder takes a while on a loaded machine.
    await holder.waitFor(/"state":"live"/, 240_000);
    const second = await startCli(['db', 'migrate', '--data-dir', dataDir], dir).exited;
    expect(second.code).not.toBe(0);
    expect(second.stderr).toContain(`in use by process ${holder.pid}`);
    console.log(`PGlite lock: second process refused: ${second.stderr.trim().split('\n').at(-1)}`);

    holder.kill('SIGTERM');
    const exit = await holder.exited;
    const summary = summaryOf(exit);
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
    // Integrity: the folder opens again, every migration is there and the rows the run counted are stored.
    const database = await openDatabase({ dataDir });
    try {
      expect((await database.status()).every((m) => m.applied)).toBe(true);
      const row = await database.db
        .selectFrom('detections')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('run_id', '=', summary.runId)
        .executeTakeFirstOrThrow();
      expect(Number(row.n)).toBe(summary.rows.detections);
      expect(Number(row.n)).toBe(sumFaces(summary));
    } finally {
      await database.close();
    }
  });
});
