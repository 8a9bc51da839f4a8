/**
 * Dedup cluster throughput: the same generated images (bench/dedup-scale.ts's generator) deduplicated by
 * one process (`pipeline dedup`), then by a coordinator that only coordinates (`--cluster --no-work`) with
 * 1 and with 2 `pipeline worker` processes, each on a fresh PostgreSQL database (no cached features). All
 * in one run, so the ratios compare like with like on a loaded machine; the groups of every run are
 * compared with the single process's.
 *
 * Run alone: `node dist/bench/dedup-cluster.js`; through the harness: `npm run bench -- --only
 * dedup-cluster` (2,000 images; 500 with --quick). PostgreSQL: RXVISION_BENCH_PG_URL, else
 * RXVISION_TEST_PG_URL, else postgres://postgres@127.0.0.1:5432/postgres (an admin database: the bench
 * creates and drops its own).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { packageRoot } from '../src/util/paths';
import { generate } from './dedup-scale';

const cli = path.join(packageRoot(), 'dist', 'src', 'cli', 'main.js');

export interface ClusterBenchOptions {
  count?: number;
  workers?: number[];
}

const adminUrl = () =>
  process.env.RXVISION_BENCH_PG_URL ??
  process.env.RXVISION_TEST_PG_URL ??
  'postgres://postgres@127.0.0.1:5432/postgres';

async function admin(sql: string): Promise<void> {
  const c = new Client({ connectionString: adminUrl() });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** A fresh database on the bench server; `drop` removes it. */
async function freshDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `rxvision_bench_cluster_${randomBytes(4).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

function startCli(args: string[]): {
  child: ChildProcess;
  exit: Promise<{ code: number | null; stdout: string }>;
} {
  const child = spawn(process.execPath, [cli, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RXVISION_DATABASE_URL: '' },
  });
  let stdout = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.resume();
  return { child, exit: new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout }))) };
}

/** Sorted groups of a report (relative paths), to compare runs. */
async function groupsOf(out: string): Promise<string> {
  const report = JSON.parse(await fs.readFile(path.join(out, 'report.json'), 'utf8')) as {
    groups: { members: { path: string }[] }[];
  };
  return JSON.stringify(report.groups.map((g) => g.members.map((m) => m.path).sort()).sort());
}

/** One dedup run: `workers` = 0 is the single process; otherwise a coordinator and that many workers. */
async function timedRun(images: string, work: string, workers: number) {
  const db = await freshDatabase();
  const running: ChildProcess[] = [];
  try {
    for (let i = 0; i < workers; i++) {
      const w = startCli(['worker', '--db-url', db.url, '--id', `bench-${i + 1}`]);
      running.push(w.child);
    }
    // Workers started (pools warm) before the clock starts.
    await new Promise((r) => setTimeout(r, workers > 0 ? 3000 : 0));
    const out = path.join(work, `out-${workers}`);
    const args = ['dedup', images, '--db-url', db.url, '--out', out, '--json', '--no-progress'];
    if (workers > 0) args.push('--cluster', '--no-work');
    const t0 = performance.now();
    const { code, stdout } = await startCli(args).exit;
    const ms = performance.now() - t0;
    if (code !== 0) throw new Error(`dedup with ${workers} workers exited ${code}`);
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as { files: number; groups: number };
    return { ms, summary, groups: await groupsOf(out) };
  } finally {
    for (const c of running) c.kill('SIGTERM');
    await Promise.all(
      running.map((c) => new Promise((r) => (c.exitCode === null ? c.on('close', r) : r(null)))),
    );
    await db.drop();
  }
}

/** Runs the single process and the cluster runs; returns times, throughput and whether the groups agree. */
export async function run(opts: ClusterBenchOptions = {}) {
  const count = opts.count ?? 2000;
  const work = path.join(os.tmpdir(), 'rxvision-dedup-cluster-bench');
  const images = path.join(work, `images-${count}`);
  mkdirSync(images, { recursive: true });
  await generate(images, count);
  const load = () => +os.loadavg()[0].toFixed(2);
  const rows: Record<string, unknown>[] = [];
  const single = await timedRun(images, work, 0);
  const row = (label: string, r: Awaited<ReturnType<typeof timedRun>>) => ({
    run: label,
    seconds: +(r.ms / 1000).toFixed(1),
    imagesPerSec: +(count / (r.ms / 1000)).toFixed(1),
    vsSingle: +(single.ms / r.ms).toFixed(2),
    groups: r.summary.groups,
    sameGroupsAsSingle: r.groups === single.groups,
    loadAvg1m: load(),
  });
  rows.push(row('single process', single));
  for (const n of opts.workers ?? [1, 2])
    rows.push(row(`cluster, ${n} worker${n > 1 ? 's' : ''}`, await timedRun(images, work, n)));
  return { count, cores: os.availableParallelism(), runs: rows };
}

if (require.main === module) {
  const i = process.argv.indexOf('--count');
  run({ count: i > 0 ? Number(process.argv[i + 1]) : undefined }).then(
    (r) => process.stdout.write(`${JSON.stringify(r, null, 2)}\n`),
    (err: unknown) => {
      process.stderr.write(`${(err as Error).stack}\n`);
      process.exitCode = 1;
    },
  );
}
