/**
 * Dedup over a cluster with real processes and the real PostgreSQL: a coordinating `pipeline dedup
 * --cluster` that only coordinates (`--no-work`) and two `pipeline worker` processes find exactly the
 * groups a single process finds on the same 2,000 generated images (every tenth a resized, recompressed
 * copy), also when one worker is SIGKILLed mid-run: its batches expire and are retried by the other.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, promises as fs, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generate } from '../../bench/dedup-scale';
import { packageRoot } from '../../src/util/paths';
import { createTestDatabaseUrl, describePostgres, type TestDatabase, queryRows } from '../helpers/postgres';

const cli = path.join(packageRoot(), 'dist', 'src', 'cli', 'main.js');
const COUNT = 2000;
const work = path.join(os.tmpdir(), 'rxvision-dedup-cluster-test');
const images = path.join(work, `images-${COUNT}`);

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function start(args: string[]): { child: ChildProcess; exit: Promise<Exit> } {
  const child = spawn(process.execPath, [cli, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RXVISION_DATABASE_URL: '' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const exit = new Promise<Exit>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, exit };
}

/** The groups of a report as sorted lists of relative paths, sorted. */
async function groupsOf(out: string): Promise<string[][]> {
  const report = JSON.parse(await fs.readFile(path.join(out, 'report.json'), 'utf8')) as {
    groups: { members: { path: string }[] }[];
  };
  return report.groups
    .map((g) => g.members.map((m) => m.path).sort())
    .sort((a, b) => a[0].localeCompare(b[0]));
}

const until = async (cond: () => Promise<boolean>, timeoutMs: number): Promise<void> => {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
};

describePostgres('pipeline dedup --cluster with pipeline worker processes', () => {
  jest.setTimeout(600_000);
  const dbs: TestDatabase[] = [];
  const children: ChildProcess[] = [];
  let reference: string[][];

  beforeAll(async () => {
    mkdirSync(images, { recursive: true });
    await generate(images, COUNT);
    const db = await createTestDatabaseUrl('dedup_single');
    dbs.push(db);
    const out = path.join(work, 'single');
    const single = await start(['dedup', images, '--db-url', db.url, '--out', out, '--json', '--no-progress'])
      .exit;
    expect(single.code).toBe(0);
    reference = await groupsOf(out);
  });

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const db of dbs) await db.drop();
  });

  it('two workers find the groups one process finds', async () => {
    const db = await createTestDatabaseUrl('dedup_cluster');
    dbs.push(db);
    const workers = ['w1', 'w2'].map((id) => start(['worker', '--db-url', db.url, '--id', id]));
    children.push(...workers.map((w) => w.child));
    const out = path.join(work, 'cluster');
    const run = await start([
      'dedup',
      images,
      '--cluster',
      '--no-work',
      '--db-url',
      db.url,
      '--out',
      out,
      '--json',
      '--no-progress',
    ]).exit;
    expect(run.code).toBe(0);
    // The planted pairs are there, so the comparison is not between two empty lists.
    expect(reference.length).toBeGreaterThanOrEqual(COUNT / 10 - 5);
    expect(await groupsOf(out)).toEqual(reference);
    // Both workers took batches (the coordinator took none: --no-work).
    const byWorker = await queryRows<{ worker: string; n: string }>(
      db.url,
      `SELECT output->>'worker' AS worker, count(*) AS n FROM pgboss.job
        WHERE name = 'rxvision-dedup' AND state = 'completed' GROUP BY 1 ORDER BY 1`,
    );
    expect(byWorker.map((r) => r.worker)).toEqual(['w1', 'w2']);
    for (const w of workers) w.child.kill('SIGTERM');
    for (const w of workers) expect((await w.exit).code).toBe(130);
  });

  it("a SIGKILLed worker's batches are retried by the other: the same groups", async () => {
    const db = await createTestDatabaseUrl('dedup_kill');
    dbs.push(db);
    // A config file: the cluster settings of the job (short expiry, so the killed worker's batches come
    // back quickly) through the config path.
    const cfg = path.join(work, 'kill.json');
    const out = path.join(work, 'kill');
    writeFileSync(
      cfg,
      JSON.stringify({
        database: { url: db.url },
        dedup: [
          {
            id: 'kill',
            root: images,
            out,
            cluster: { enabled: true, work: false, expireSeconds: 15, retryLimit: 3 },
          },
        ],
      }),
    );
    const victim = start(['worker', '--config', cfg, '--id', 'victim']);
    const survivor = start(['worker', '--config', cfg, '--id', 'survivor']);
    children.push(victim.child, survivor.child);
    const run = start(['dedup', images, '--config', cfg, '--out', out, '--json', '--no-progress']);
    // Kill once the victim has finished a few batches and holds some (mid-run, mid-batch).
    await until(async () => {
      const rows = await queryRows<{ done: string; active: string }>(
        db.url,
        `SELECT count(*) FILTER (WHERE state = 'completed' AND output->>'worker' = 'victim') AS done,
                count(*) FILTER (WHERE state = 'active') AS active
           FROM pgboss.job WHERE name = 'rxvision-dedup'`,
      ).catch(() => [{ done: '0', active: '0' }]);
      return Number(rows[0].done) >= 3 && Number(rows[0].active) >= 2;
    }, 300_000);
    victim.child.kill('SIGKILL');
    const done = await run.exit;
    expect(done.code).toBe(0);
    expect((await victim.exit).signal).toBe('SIGKILL');
    expect(await groupsOf(out)).toEqual(reference);
    // The run ended, so the batches the victim held when it died expired and ran again (retry_count > 0)
    // on the survivor (under heavy load a batch of a live worker can expire too: its retry may then
    // land on either worker).
    const retried = await queryRows<{ worker: string }>(
      db.url,
      `SELECT output->>'worker' AS worker FROM pgboss.job
        WHERE name = 'rxvision-dedup' AND retry_count > 0 AND state = 'completed'`,
    );
    expect(retried.length).toBeGreaterThan(0);
    expect(retried.map((r) => r.worker)).toContain('survivor');
    const summary = JSON.parse(done.stdout.trim().split('\n').at(-1)!) as { skipped: number; files: number };
    expect(summary).toMatchObject({ files: COUNT, skipped: 0 });
    survivor.child.kill('SIGTERM');
    expect((await survivor.exit).code).toBe(130);
  });
});
