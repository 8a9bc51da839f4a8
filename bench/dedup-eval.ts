/**
 * Dedup accuracy benchmark on the labelled collection of bench/lib/dedup-collection.ts (photos,
 * wallpapers, clip art on white, icons, document pages from Debian packages, each with the ordinary
 * transforms). `pipeline dedup` with its defaults (cold: fresh PGlite data dir) and Debian's
 * `findimagedupes` run on the same split in the same run, each under `/usr/bin/time -v`: pairwise
 * precision / recall / F1, recall per transform and per kind of picture, wrong groups (groups whose members
 * show different pictures), images/s and peak RSS.
 *
 * Run alone: `node dist/bench/dedup-eval.js [--split report|tune] [--no-findimagedupes] [--json]`.
 */
import { spawnSync } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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

/** Runs a command under `/usr/bin/time -v`: wall time and peak RSS (MB) of the whole process tree's largest. */
function timed(cmd: string, args: string[]): { stdout: string; ms: number; peakRssMb: number } {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-v', cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const ms = performance.now() - t0;
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  if (r.status !== 0 || !rss)
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return { stdout: r.stdout, ms, peakRssMb: Math.round(Number(rss[1]) / 1024) };
}

export function runRxvision(root: string, work: string, extraArgs: readonly string[] = []) {
  const out = path.join(work, 'rx-report');
  const cli = path.join(__dirname, '..', 'src', 'cli', 'main.js');
  const t = timed(process.execPath, [
    cli,
    'dedup',
    root,
    '--out',
    out,
    '--data-dir',
    path.join(work, 'rx-db'),
    '--no-progress',
    '--json',
    ...extraArgs,
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
  split?: Split;
  findimagedupes?: boolean;
}

/** Builds (or reuses) the collection and runs both tools on one split (default: report). */
export async function run(opts: EvalOptions = {}) {
  const split = opts.split ?? 'report';
  const { root, items } = await splitFolder(await buildCollection(), split);
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'dedup-eval-'));
  const results: Record<string, unknown> = {
    collection: {
      split,
      images: items.length,
      pictures: new Set(items.map((i) => i.label)).size,
      cores: os.cpus().length,
    },
  };
  const summarise = (name: string, r: { groups: string[][]; ms: number; peakRssMb: number }) => {
    results[name] = {
      imagesPerSec: +(items.length / (r.ms / 1000)).toFixed(1),
      seconds: +(r.ms / 1000).toFixed(1),
      peakRssMb: r.peakRssMb,
      ...score(items, r.groups),
    };
  };
  try {
    summarise('rxvision', runRxvision(root, work));
    if (opts.findimagedupes !== false) {
      ensureFindimagedupes();
      summarise('findimagedupes', runFindimagedupes(root));
    }
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
  return results;
}

type Scored = ReturnType<typeof score> & { imagesPerSec: number; seconds: number; peakRssMb: number };

function fmt(results: Record<string, unknown>): string {
  const tools = Object.entries(results).filter(
    ([, r]) => typeof r === 'object' && r !== null && 'f1' in r,
  ) as [string, Scored][];
  const f = (x: number) => x.toFixed(3);
  const lines = [
    JSON.stringify(results.collection),
    '| | precision | recall | F1 | wrong groups | images/s | peak RSS |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...tools.map(
      ([n, r]) =>
        `| ${n} | ${f(r.precision)} | ${f(r.recall)} | ${f(r.f1)} | ${r.wrongGroups} | ${r.imagesPerSec} | ${r.peakRssMb} MB |`,
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
  const s = argv.indexOf('--split');
  run({
    split: s >= 0 ? (argv[s + 1] as Split) : undefined,
    findimagedupes: !argv.includes('--no-findimagedupes'),
  }).then(
    (r) => process.stdout.write(`${fmt(r)}\n${argv.includes('--json') ? JSON.stringify(r) + '\n' : ''}`),
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
