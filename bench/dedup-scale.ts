/**
 * Dedup scale benchmark: generates N synthetic images (10k by default, 100k with --full; every tenth is a
 * resized/recompressed copy of another), runs a dedup job with the PGlite feature cache, samples the
 * process RSS (workers are threads, so it includes them) through the run, then re-runs with a warm cache.
 *
 * Run alone: `node dist/bench/dedup-scale.js [--count N | --full]`.
 */
import { existsSync, mkdirSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { openDatabase } from '../src/db';
import { runDedupJob } from '../src/pipelines/dedup/job';
import type { DedupProgress } from '../src/pipelines/dedup/progress';
import { closeAllPools, getPool } from '../src/pools/registry';
import { workerPath } from '../src/util/paths';
import type { HashWorkerApi } from '../workers/hash';

const W = 160;
const H = 120;

/** A deterministic pseudo-random picture: gradient background plus a few coloured rectangles and discs. */
function synthetic(seed: number): Buffer {
  // mulberry32: a proper 32-bit PRNG, so distinct seeds give distinct pictures.
  let a = (seed + 0x9e3779b9) >>> 0;
  const rnd = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const px = Buffer.alloc(W * H * 3);
  const base = [rnd() * 255, rnd() * 255, rnd() * 255];
  const grad = [rnd() * 2 - 1, rnd() * 2 - 1, rnd() * 2 - 1];
  const shapes = Array.from({ length: 6 }, () => ({
    x: rnd() * W,
    y: rnd() * H,
    r: 8 + rnd() * 40,
    disc: rnd() < 0.5,
    c: [rnd() * 255, rnd() * 255, rnd() * 255],
  }));
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      let c = base.map((b, k) => b + grad[k] * (x + y));
      for (const sh of shapes) {
        const inside = sh.disc
          ? (x - sh.x) ** 2 + (y - sh.y) ** 2 < sh.r ** 2
          : Math.abs(x - sh.x) < sh.r && Math.abs(y - sh.y) < sh.r / 2;
        if (inside) c = sh.c;
      }
      const o = (y * W + x) * 3;
      for (let k = 0; k < 3; k++) px[o + k] = Math.max(0, Math.min(255, c[k]));
    }
  return px;
}

async function generate(dir: string, count: number): Promise<void> {
  const marker = path.join(dir, `.complete-v2-${count}`);
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

export interface ScaleOptions {
  count?: number;
  workDir?: string;
}

/** Generates the images (cached between runs), then a cold and a warm dedup run with RSS samples. */
export async function run(opts: ScaleOptions = {}) {
  const count = opts.count ?? 10_000;
  const work = opts.workDir ?? path.join(os.tmpdir(), 'rxvision-dedup-scale');
  const images = path.join(work, `images-${count}`);
  mkdirSync(images, { recursive: true });
  const g0 = performance.now();
  await generate(images, count);
  const generateMs = performance.now() - g0;
  const dataDir = path.join(work, `db-${count}-${Date.now()}`);
  const database = await openDatabase({ dataDir });
  await database.migrate();
  const pool = getPool<HashWorkerApi>('hash', { worker: workerPath('hash'), taskTimeoutMs: 60_000 });
  const mb = (b: number) => Math.round(b / 1e6);
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  // RSS when the feature stage passes 10%, 25%, 50%, 75% and 100%.
  const checkpoints: Record<string, number> = {};
  const onProgress = (e: DedupProgress) => {
    if (e.stage !== 'features' || !e.total) return;
    for (const f of [0.1, 0.25, 0.5, 0.75, 1]) {
      const key = `${f * 100}%`;
      if (!(key in checkpoints) && e.done >= f * e.total) checkpoints[key] = mb(process.memoryUsage().rss);
    }
  };
  try {
    const rssStart = mb(process.memoryUsage().rss);
    const t1 = performance.now();
    const cold = await runDedupJob({ root: images, pool, db: database.db, jobId: 'scale', onProgress });
    const coldMs = performance.now() - t1;
    const peakCold = mb(peak);
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
      },
      warm: {
        ms: Math.round(warmMs),
        featuresCached: warm.stats.featuresCached,
        featuresComputed: warm.stats.featuresComputed,
      },
      speedup: +(coldMs / warmMs).toFixed(1),
      rssMB: { start: rssStart, atFeatureProgress: checkpoints, peakCold, peakOverall: mb(peak) },
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
