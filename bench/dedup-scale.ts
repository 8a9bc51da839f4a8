/**
 * Dedup scale benchmark: generates N synthetic images (10k by default, 100k with --full; every tenth is a
 * resized/recompressed copy of another), runs a dedup job with the PGlite feature cache, samples the
 * process RSS (workers are threads, so it includes them) through the run, then re-runs with a warm cache.
 *
 * Run alone: `node dist/bench/dedup-scale.js [--count N | --full]`; through the harness
 * (`npm run bench -- --only dedup-scale`) the count is 10,000 (1,000 with --quick) unless
 * RXVISION_DEDUP_SCALE_COUNT says otherwise.
 */
import { existsSync, mkdirSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { openDatabase } from '../src/db';
import { runDedupJob } from '../src/pipelines/dedup/job';
import type { DedupProgress } from '../src/pipelines/dedup/progress';
import type { DedupReport } from '../src/pipelines/dedup/report/model';
import { hashPool } from '../src/pools/kinds';
import { closeAllPools } from '../src/pools/registry';
import { seededRandom } from './lib/seeded-random';

const W = 160;
const H = 120;

/**
 * A deterministic pseudo-random picture: a background with a linear gradient in a random direction and a
 * low-frequency wave (random frequency, direction and phase), a few large and many small coloured
 * rectangles and discs.
 *
 * The first version (one diagonal gradient direction, x + y, for every picture, steep enough to
 * saturate; six large flat shapes) made 1,356 groups of 10,000 pictures where 1,000 pairs were planted.
 * Those extra groups were not a grouping bug: each was a pair (or a planted pair plus one picture) whose
 * every pair passed verification. The pictures were alike where the stages look: the shared diagonal
 * gradient dominated the 64-bit hashes (24,419 candidate pairs at 2,000 pictures), backgrounds of a
 * similar hue passed the colour check, and large flat areas of similar brightness score high in SSIM
 * whatever the shapes (flat windows have no variance, so their structure term is 1). Random directions,
 * the wave and fine detail give the pictures the variety of photographs: at 2,000 pictures, 1,546
 * candidates, exactly the 200 planted groups.
 */
function synthetic(seed: number): Buffer {
  const rnd = seededRandom(seed + 0x9e3779b9);
  const px = Buffer.alloc(W * H * 3);
  const base = [rnd() * 255, rnd() * 255, rnd() * 255];
  const theta = rnd() * 2 * Math.PI;
  const [gx, gy] = [Math.cos(theta) / W, Math.sin(theta) / H]; // projection spans about -1..1
  const grad = [rnd() * 240 - 120, rnd() * 240 - 120, rnd() * 240 - 120];
  const phi = rnd() * 2 * Math.PI;
  const cycles = 1 + rnd() * 2;
  const [wx, wy] = [(Math.cos(phi) * cycles * 2 * Math.PI) / W, (Math.sin(phi) * cycles * 2 * Math.PI) / H];
  const phase = rnd() * 2 * Math.PI;
  const wave = [rnd() * 120 - 60, rnd() * 120 - 60, rnd() * 120 - 60];
  const shape = (rMin: number, rMax: number) => ({
    x: rnd() * W,
    y: rnd() * H,
    r: rMin + rnd() * (rMax - rMin),
    disc: rnd() < 0.5,
    c: [rnd() * 255, rnd() * 255, rnd() * 255],
  });
  // A few large shapes and many small ones: photographs have detail at every scale, and without it
  // the flat areas of two unrelated pictures of similar brightness look alike to SSIM.
  const shapes = [
    ...Array.from({ length: 3 + Math.floor(rnd() * 4) }, () => shape(10, 36)),
    ...Array.from({ length: 40 }, () => shape(2, 7)),
  ];
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const u = (x - W / 2) * gx + (y - H / 2) * gy;
      const w = Math.sin(x * wx + y * wy + phase);
      const o = (y * W + x) * 3;
      for (let k = 0; k < 3; k++) px[o + k] = Math.max(0, Math.min(255, base[k] + grad[k] * u + wave[k] * w));
    }
  // Shapes in order (later ones cover earlier ones), each over its bounding box only.
  for (const sh of shapes) {
    const rx = sh.r;
    const ry = sh.disc ? sh.r : sh.r / 2;
    for (let y = Math.max(0, Math.floor(sh.y - ry)); y <= Math.min(H - 1, Math.ceil(sh.y + ry)); y++)
      for (let x = Math.max(0, Math.floor(sh.x - rx)); x <= Math.min(W - 1, Math.ceil(sh.x + rx)); x++) {
        const inside = sh.disc
          ? (x - sh.x) ** 2 + (y - sh.y) ** 2 < sh.r ** 2
          : Math.abs(x - sh.x) < sh.r && Math.abs(y - sh.y) < sh.r / 2;
        if (!inside) continue;
        const o = (y * W + x) * 3;
        for (let k = 0; k < 3; k++) px[o + k] = Math.max(0, Math.min(255, sh.c[k]));
      }
  }
  return px;
}

export async function generate(dir: string, count: number): Promise<void> {
  const marker = path.join(dir, `.complete-v4-${count}`);
  if (existsSync(marker)) return;
  const raw = { raw: { width: W, height: H, channels: 3 as const } };
  const batch = 16;
  for (let start = 0; start < count; start += batch) {
    await Promise.all(
      Array.from({ length: Math.min(batch, count - start) }, async (_, k) => {
        const i = start + k;
        const sub = path.join(dir, String(Math.floor(i / 1000)).padStart(3, '0'));
        mkdirSync(sub, { recursive: true });
        const file = path.join(sub, `img${String(i).padStart(6, '0')}.jpg`);
        // Every tenth image is a smaller, recompressed copy of the previous one (a true near-duplicate).
        const seed = i % 10 === 9 ? i - 1 : i;
        const img = sharp(synthetic(seed), raw);
        await (i % 10 === 9 ? img.resize(120, 90).jpeg({ quality: 60 }) : img.jpeg({ quality: 85 })).toFile(
          file,
        );
      }),
    );
  }
  await fs.writeFile(marker, '');
}

/**
 * Planted pairs (picture i and its copy i + 1, for i = 8, 18, ...) found in one group, and groups that
 * hold pictures of different seeds (false positives on this data set).
 */
export function plantedStats(report: DedupReport, count: number) {
  const index = (rel: string) => Number(/img(\d+)\./.exec(rel)?.[1] ?? NaN);
  const seedOf = (i: number) => (i % 10 === 9 ? i - 1 : i);
  const groupOf = new Map<number, number>();
  let mixed = 0;
  report.groups.forEach((g, k) => {
    const ids = g.members.map((m) => index(m.path));
    for (const i of ids) groupOf.set(i, k);
    if (new Set(ids.map(seedOf)).size > 1) mixed++;
  });
  let found = 0;
  for (let i = 9; i < count; i += 10) if (groupOf.has(i) && groupOf.get(i) === groupOf.get(i - 1)) found++;
  return { planted: Math.floor(count / 10), plantedFound: found, groupsMixingPictures: mixed };
}

export interface ScaleOptions {
  count?: number;
  workDir?: string;
}

/** Generates the images (cached between runs), then a cold and a warm dedup run with RSS samples. */
export async function run(opts: ScaleOptions = {}) {
  const fromEnv = Number(process.env.RXVISION_DEDUP_SCALE_COUNT);
  const count = Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : (opts.count ?? 10_000);
  const work = opts.workDir ?? path.join(os.tmpdir(), 'rxvision-dedup-scale');
  const images = path.join(work, `images-v4-${count}`);
  mkdirSync(images, { recursive: true });
  const g0 = performance.now();
  await generate(images, count);
  const generateMs = performance.now() - g0;
  const dataDir = path.join(work, `db-${count}-${Date.now()}`);
  const database = await openDatabase({ dataDir });
  await database.migrate();
  const pool = hashPool();
  const mb = (b: number) => Math.round(b / 1e6);
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  // RSS when the feature stage passes 10%, 25%, 50%, 75% and 100%, and the main thread's JS heap and
  // array buffers then: RSS also holds PGlite's WebAssembly memory and the workers, which blur how much
  // the job itself keeps per image.
  const checkpoints: Record<string, number> = {};
  const heapCheckpoints: Record<string, { heapUsed: number; arrayBuffers: number }> = {};
  // Verification of the cold run: from the end of candidate search to the end of verification.
  const coldEnds: Record<string, number> = {};
  const onProgress = (e: DedupProgress) => {
    if (e.finished) coldEnds[e.stage] ??= performance.now();
    if (e.stage !== 'features' || !e.total) return;
    for (const f of [0.1, 0.25, 0.5, 0.75, 1]) {
      const key = `${f * 100}%`;
      if (!(key in checkpoints) && e.done >= f * e.total) {
        const m = process.memoryUsage();
        checkpoints[key] = mb(m.rss);
        heapCheckpoints[key] = { heapUsed: mb(m.heapUsed), arrayBuffers: mb(m.arrayBuffers) };
      }
    }
  };
  try {
    const rssStart = mb(process.memoryUsage().rss);
    // The machine may be shared: the 1-minute load average says how much else was running.
    const load = () => +os.loadavg()[0].toFixed(2);
    const loadAvg1m: Record<string, number> = { start: load() };
    const t1 = performance.now();
    const cold = await runDedupJob({ root: images, pool, db: database.db, jobId: 'scale', onProgress });
    const coldMs = performance.now() - t1;
    const peakCold = mb(peak);
    loadAvg1m.afterCold = load();
    const t2 = performance.now();
    const stageMs: Record<string, number> = {};
    const stageStart: Record<string, number> = {};
    const warm = await runDedupJob({
      root: images,
      pool,
      db: database.db,
      jobId: 'scale',
      onProgress: (e) => {
        stageStart[e.stage] ??= performance.now();
        if (e.finished) stageMs[e.stage] = Math.round(performance.now() - stageStart[e.stage]);
      },
    });
    const warmMs = performance.now() - t2;
    loadAvg1m.afterWarm = load();
    return {
      count,
      poolSize: pool.size,
      generateMs: Math.round(generateMs),
      cold: {
        ms: Math.round(coldMs),
        imagesPerSec: +(count / (coldMs / 1000)).toFixed(1),
        featuresComputed: cold.stats.featuresComputed,
        groups: cold.stats.groups,
        expectedGroups: Math.floor(count / 10),
        ...plantedStats(cold.report, count),
        candidates: cold.stats.candidates,
        verified: cold.stats.verified,
        verifyMs: Math.round(coldEnds.verify - coldEnds.candidates),
      },
      warm: {
        ms: Math.round(warmMs),
        featuresCached: warm.stats.featuresCached,
        featuresComputed: warm.stats.featuresComputed,
        groups: warm.stats.groups,
        sameGroupsAsCold: JSON.stringify(warm.report.groups) === JSON.stringify(cold.report.groups),
        pairsVerified: warm.stats.candidates,
        pairsReused: warm.stats.reused,
        stageMs,
      },
      speedup: +(coldMs / warmMs).toFixed(1),
      rssMB: { start: rssStart, atFeatureProgress: checkpoints, peakCold, peakOverall: mb(peak) },
      heapMB: { atFeatureProgress: heapCheckpoints },
      cores: os.cpus().length,
      loadAvg1m,
    };
  } finally {
    clearInterval(sampler);
    await closeAllPools();
    await database.close();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const n = argv.indexOf('--count');
  const count = argv.includes('--full') ? 100_000 : n >= 0 ? Number(argv[n + 1]) : 10_000;
  run({ count }).then(
    (r) => process.stdout.write(`${JSON.stringify(r, null, 2)}\n`),
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
