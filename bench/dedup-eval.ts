/**
 * Dedup accuracy benchmark on the labelled collection of bench/lib/dedup-collection.ts (photos,
 * wallpapers, clip art on white, icons, document pages from Debian packages, each with the ordinary
 * transforms). `pipeline dedup` with its defaults (cold: fresh PGlite data dir) and Debian's
 * `findimagedupes` run on the same split in the same run, each under `/usr/bin/time -v`: pairwise
 * precision / recall / F1, recall per transform and per kind of picture, wrong groups (groups whose members
 * show different pictures), images/s, time to the first computed feature and peak RSS, with the load
 * average before and after (the machine may be shared: compare tools within one run).
 *
 * `--set camera` runs the same comparison on camera-size JPEGs (bench/lib/camera-jpegs.ts, 2,000 by
 * default, `--count N`); `--no-cache` adds a run of `pipeline dedup --no-cache` (no database at all).
 *
 * Run alone: `node dist/bench/dedup-eval.js [--set collection|camera] [--count N] [--split report|tune]
 * [--no-cache] [--no-findimagedupes] [--json]`.
 */
import { spawnSync } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cameraJpegs } from './lib/camera-jpegs';
import { buildCollection, splitFolder, type CollectionItem, type Split } from './lib/dedup-collection';

/** Scores of predicted groups (lists of absolute paths) against the labels. */
export function score(items: readonly CollectionItem[], groups: readonly string[][]) {
  const byPath = new Map(items.map((i) => [i.path, i]));
  const groupOf = new Map<string, number>();
  groups.forEach((g, i) => g.forEach((p) => groupOf.set(p, i)));
  const same = (a: string, b: string) => groupOf.has(a) && groupOf.get(a) === groupOf.get(b);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < items.length; i++)
    for (let j = i + 1; j < items.length; j++) {
      const truth = items[i].label === items[j].label;
      const pred = same(items[i].path, items[j].path);
      if (truth && pred) tp++;
      else if (pred) fp++;
      else if (truth) fn++;
    }
  const precision = tp + fp ? tp / (tp + fp) : 1;
  const recall = tp + fn ? tp / (tp + fn) : 1;
  // Recall per transform and per kind: each copy grouped with its original.
  const originals = new Map(items.filter((i) => i.transform === 'original').map((i) => [i.label, i.path]));
  const recallBy = (key: (i: CollectionItem) => string) => {
    const acc: Record<string, { found: number; copies: number; recall?: number }> = {};
    for (const c of items) {
      if (c.transform === 'original') continue;
      const k = (acc[key(c)] ??= { found: 0, copies: 0 });
      k.copies++;
      if (same(c.path, originals.get(c.label)!)) k.found++;
    }
    for (const v of Object.values(acc)) v.recall = +(v.found / v.copies).toFixed(3);
    return acc;
  };
  const wrongGroups = groups
    .map((g) => [...new Set(g.map((p) => byPath.get(p)?.label ?? `?${p}`))])
    .filter((labels) => labels.length > 1);
  return {
    precision,
    recall,
    f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
    falsePairs: fp,
    wrongGroups: wrongGroups.length,
    wrongGroupLabels: wrongGroups.slice(0, 20),
    recallByTransform: recallBy((i) => i.transform),
    recallByKind: recallBy((i) => i.kind),
  };
}

interface Timed {
  stdout: string;
  ms: number;
  peakRssMb: number;
  /** Milliseconds from the start to the first computed feature (from the log), when the tool logs it. */
  firstFeatureMs?: number;
}

/**
 * The time of the first log line (pino JSON on stderr, epoch ms in `time`) about the features stage:
 * the first image whose features were computed (progress lines come at most every 250 ms).
 */
function firstFeatureAt(stderr: string): number | undefined {
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('{') || !line.includes('"stage":"features"')) continue;
    const time = (JSON.parse(line) as { time?: number }).time;
    if (typeof time === 'number') return time;
  }
  return undefined;
}

/** Runs a command under `/usr/bin/time -v`: wall time and peak RSS (MB) of the whole process tree's largest. */
function timed(cmd: string, args: string[]): Timed {
  const startedAt = Date.now();
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-v', cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const ms = performance.now() - t0;
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  if (r.status !== 0 || !rss)
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const first = firstFeatureAt(r.stderr);
  return {
    stdout: r.stdout,
    ms,
    peakRssMb: Math.round(Number(rss[1]) / 1024),
    firstFeatureMs: first === undefined ? undefined : first - startedAt,
  };
}

/** Runs `pipeline dedup` on `root` (with a fresh database folder under `work`, or `--no-cache`) plus `extraArgs`. */
export function runRxvision(
  root: string,
  work: string,
  opts: { cache?: boolean; extraArgs?: readonly string[] } = {},
) {
  const cache = opts.cache ?? true;
  const out = path.join(work, cache ? 'rx-report' : 'rx-report-no-cache');
  const cli = path.join(__dirname, '..', 'src', 'cli', 'main.js');
  const db = cache ? ['--data-dir', path.join(work, 'rx-db')] : ['--no-cache'];
  const t = timed(process.execPath, [
    cli,
    'dedup',
    root,
    '--out',
    out,
    ...db,
    '--no-progress',
    '--json',
    ...(opts.extraArgs ?? []),
  ]);
  const report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8')) as {
    groups: { members: { path: string }[] }[];
  };
  return { ...t, groups: report.groups.map((g) => g.members.map((m) => path.join(root, m.path))) };
}

export function ensureFindimagedupes(): void {
  if (spawnSync('which', ['findimagedupes']).status === 0) return;
  const r = spawnSync('apt-get', ['install', '-y', 'findimagedupes'], { stdio: 'ignore' });
  if (r.status !== 0)
    throw new Error('findimagedupes is not installed and apt-get install findimagedupes failed');
}

export function runFindimagedupes(root: string) {
  // -R recurse, -q quiet, -t its default similarity threshold; one group per line. No fingerprint db: cold.
  const t = timed('findimagedupes', ['-R', '-q', '-t', '90%', root]);
  return {
    ...t,
    groups: t.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' ')),
  };
}

export interface EvalOptions {
  /** The labelled collection (default) or camera-size JPEGs. */
  set?: 'collection' | 'camera';
  /** Camera-size JPEGs in the camera set (default 2,000). */
  count?: number;
  split?: Split;
  findimagedupes?: boolean;
  /** Also run rxvision with `--no-cache` (no database). */
  noCache?: boolean;
}

async function evalSet(opts: EvalOptions): Promise<{ root: string; items: CollectionItem[]; name: string }> {
  if (opts.set === 'camera') {
    const count = opts.count ?? 2000;
    return { ...(await cameraJpegs(count)), name: `camera JPEGs 1600x1200 (${count})` };
  }
  const split = opts.split ?? 'report';
  return { ...(await splitFolder(await buildCollection(), split)), name: `collection, ${split} split` };
}

const loadAverage = () => os.loadavg().map((l) => +l.toFixed(1));

/** Builds (or reuses) the images and runs the tools on them, one after the other. */
export async function run(opts: EvalOptions = {}) {
  const { root, items, name } = await evalSet(opts);
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'dedup-eval-'));
  const results: Record<string, unknown> = {
    collection: {
      set: name,
      images: items.length,
      megabytes: +(
        (await Promise.all(items.map((i) => fs.stat(i.path)))).reduce((s, st) => s + st.size, 0) / 1e6
      ).toFixed(1),
      pictures: new Set(items.map((i) => i.label)).size,
      cores: os.cpus().length,
      loadBefore: loadAverage(),
    },
  };
  const summarise = (name: string, r: Timed & { groups: string[][] }) => {
    results[name] = {
      imagesPerSec: +(items.length / (r.ms / 1000)).toFixed(1),
      seconds: +(r.ms / 1000).toFixed(1),
      // A batch tool without a log has its first result at the end.
      firstResultSec: +((r.firstFeatureMs ?? r.ms) / 1000).toFixed(1),
      peakRssMb: r.peakRssMb,
      ...score(items, r.groups),
    };
  };
  try {
    summarise('rxvision', runRxvision(root, work));
    if (opts.noCache) summarise('rxvision --no-cache', runRxvision(root, work, { cache: false }));
    if (opts.findimagedupes !== false) {
      ensureFindimagedupes();
      summarise('findimagedupes', runFindimagedupes(root));
    }
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
  (results.collection as Record<string, unknown>).loadAfter = loadAverage();
  return results;
}

type Scored = ReturnType<typeof score> & {
  imagesPerSec: number;
  seconds: number;
  firstResultSec: number;
  peakRssMb: number;
};

function fmt(results: Record<string, unknown>): string {
  const tools = Object.entries(results).filter(
    ([, r]) => typeof r === 'object' && r !== null && 'f1' in r,
  ) as [string, Scored][];
  const f = (x: number) => x.toFixed(3);
  const lines = [
    JSON.stringify(results.collection),
    '| | precision | recall | F1 | wrong groups | images/s | first result | peak RSS |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...tools.map(
      ([n, r]) =>
        `| ${n} | ${f(r.precision)} | ${f(r.recall)} | ${f(r.f1)} | ${r.wrongGroups} | ${r.imagesPerSec} | ${r.firstResultSec} s | ${r.peakRssMb} MB |`,
    ),
    '',
    `recall per transform: ${tools.map(([n]) => n).join(' / ')}`,
  ];
  for (const t of Object.keys(tools[0]?.[1].recallByTransform ?? {}))
    lines.push(`  ${t.padEnd(10)} ${tools.map(([, r]) => r.recallByTransform[t].recall).join(' / ')}`);
  lines.push(`recall per kind: ${tools.map(([n]) => n).join(' / ')}`);
  for (const k of Object.keys(tools[0]?.[1].recallByKind ?? {}))
    lines.push(`  ${k.padEnd(10)} ${tools.map(([, r]) => r.recallByKind[k].recall).join(' / ')}`);
  for (const [n, r] of tools)
    if (r.wrongGroups) lines.push(`${n} wrong groups: ${JSON.stringify(r.wrongGroupLabels)}`);
  return lines.join('\n');
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const value = (flag: string) => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : undefined);
  const count = value('--count');
  run({
    set: value('--set') as EvalOptions['set'],
    count: count === undefined ? undefined : Number(count),
    split: value('--split') as Split | undefined,
    findimagedupes: !argv.includes('--no-findimagedupes'),
    noCache: argv.includes('--no-cache'),
  }).then(
    (r) => process.stdout.write(`${fmt(r)}\n${argv.includes('--json') ? JSON.stringify(r) + '\n' : ''}`),
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
