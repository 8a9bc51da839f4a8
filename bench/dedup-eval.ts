/**
 * Dedup accuracy benchmark: a labelled corpus from Debian package images (opencv-doc samples, python3-skimage
 * data) plus transformed copies; pairwise precision / recall / F1 per transform and images/s, for rxvision
 * and for Debian's `findimagedupes` on the same corpus in the same run.
 *
 * Run alone: `node dist/bench/dedup-eval.js [--originals N] [--no-findimagedupes]`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, promises as fs, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp, { type Sharp, type Metadata } from 'sharp';
import { runDedupJob } from '../src/pipelines/dedup/job';
import { hashPool } from '../src/pools/kinds';
import { closeAllPools } from '../src/pools/registry';
import { assetsDir } from '../src/util/paths';

/** Sample images that are not near-duplicates of each other (stereo pairs, sequences, ELA pairs left out). */
const OPENCV_ORIGINALS = [
  'Blender_Suzanne1.jpg',
  'HappyFish.jpg',
  'aero1.jpg',
  'apple.jpg',
  'baboon.jpg',
  'basketball1.png',
  'board.jpg',
  'box.png',
  'building.jpg',
  'butterfly.jpg',
  'chicky_512.png',
  'ela_original.jpg',
  'fruits.jpg',
  'graf1.png',
  'home.jpg',
  'left01.jpg',
  'leuvenA.jpg',
  'messi5.jpg',
  'orange.jpg',
  'pic1.png',
  'rubberwhale1.png',
  'smarties.png',
  'squirrel_cls.jpg',
  'starry_night.jpg',
  'stuff.jpg',
  'sudoku.png',
];
const SKIMAGE_ORIGINALS = [
  'astronaut.png',
  'brick.png',
  'camera.png',
  'chelsea.png',
  'coffee.png',
  'coins.png',
  'color.png',
  'grass.png',
  'gravel.png',
  'horse.png',
  'hubble_deep_field.jpg',
  'ihc.png',
  'moon.png',
  'motorcycle_left.png',
  'page.png',
  'phantom.png',
  'retina.jpg',
  'rocket.jpg',
  'text.png',
  'logo.png',
];

type Maker = (img: Sharp, m: Metadata) => Sharp | Promise<Sharp>;

function watermark(m: Metadata): Buffer {
  const w = m.width!;
  const h = m.height!;
  const size = Math.max(12, Math.round(h / 14));
  return Buffer.from(
    `<svg width="${w}" height="${h}"><text x="${w - 10}" y="${h - 10}" text-anchor="end" font-size="${size}" ` +
      `font-family="sans-serif" fill="white" fill-opacity="0.7" stroke="black" stroke-opacity="0.5">© rxvision 2025</text></svg>`,
  );
}

const cropBy =
  (f: number): Maker =>
  (img, m) => {
    const dx = Math.round(m.width! * f);
    const dy = Math.round(m.height! * f);
    return img
      .extract({ left: dx, top: dy, width: m.width! - 2 * dx, height: m.height! - 2 * dy })
      .jpeg({ quality: 92 });
  };

/** Transforms: the ordinary ones (target F1 >= 0.97) and the harder ones. */
export const EVAL_TRANSFORMS: Record<string, { ext: string; hard: boolean; make: Maker }> = {
  resize: {
    ext: 'jpg',
    hard: false,
    make: (img, m) => img.resize(Math.round(m.width! / 2)).jpeg({ quality: 90 }),
  },
  jpeg40: { ext: 'jpg', hard: false, make: (img) => img.jpeg({ quality: 40 }) },
  crop5: { ext: 'jpg', hard: false, make: cropBy(0.025) },
  bright: {
    ext: 'jpg',
    hard: false,
    make: (img) => img.modulate({ brightness: 1.15 }).jpeg({ quality: 92 }),
  },
  blur: { ext: 'jpg', hard: false, make: (img) => img.blur(1.5).jpeg({ quality: 92 }) },
  watermark: {
    ext: 'jpg',
    hard: false,
    make: (img, m) => img.composite([{ input: watermark(m) }]).jpeg({ quality: 90 }),
  },
  format: { ext: 'png', hard: false, make: (img) => img.png() },
  rotate5: {
    ext: 'jpg',
    hard: true,
    make: async (img, m) => {
      // Rotate, then crop back to the original aspect so no background corners dominate.
      const buf = await img.rotate(5, { background: '#808080' }).toBuffer({ resolveWithObject: true });
      const w = Math.round(m.width! * 0.85);
      const h = Math.round(m.height! * 0.85);
      return sharp(buf.data)
        .extract({
          left: Math.round((buf.info.width - w) / 2),
          top: Math.round((buf.info.height - h) / 2),
          width: w,
          height: h,
        })
        .jpeg({ quality: 92 });
    },
  },
  flip: { ext: 'jpg', hard: true, make: (img) => img.flop().jpeg({ quality: 92 }) },
  grey: { ext: 'jpg', hard: true, make: (img) => img.greyscale().jpeg({ quality: 92 }) },
  crop20: { ext: 'jpg', hard: true, make: cropBy(0.1) },
};

interface Item {
  path: string;
  label: string;
  transform: string;
}

function cacheDir(): string {
  return path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'rxvision');
}

/** Folders with the source images: opencv-doc samples (assets or the .deb) and python3-skimage's data. */
function sourceImages(): { file: string; label: string }[] {
  const out: { file: string; label: string }[] = [];
  const samples = [path.join(assetsDir(), 'samples'), '/usr/share/doc/opencv-doc/examples/data'].find((d) =>
    existsSync(path.join(d, 'fruits.jpg')),
  );
  if (samples) {
    for (const f of OPENCV_ORIGINALS)
      if (existsSync(path.join(samples, f)))
        out.push({ file: path.join(samples, f), label: `cv-${path.parse(f).name}` });
  }
  const skDir = path.join(cacheDir(), 'skimage');
  const skData = () => {
    const base = path.join(skDir, 'usr/lib/python3/dist-packages/skimage/data');
    return existsSync(base) ? base : undefined;
  };
  if (!skData()) {
    try {
      const debDir = path.join(cacheDir(), 'debian');
      mkdirSync(debDir, { recursive: true });
      let deb = readdirSync(debDir).find((f) => f.startsWith('python3-skimage_'));
      if (!deb) {
        execFileSync('apt-get', ['download', 'python3-skimage'], { cwd: debDir, stdio: 'ignore' });
        deb = readdirSync(debDir).find((f) => f.startsWith('python3-skimage_'));
      }
      if (deb) execFileSync('dpkg', ['-x', path.join(debDir, deb), skDir]);
    } catch (err) {
      process.stderr.write(
        `python3-skimage data unavailable (${(err as Error).message}); opencv samples only\n`,
      );
    }
  }
  const sk = skData();
  if (sk) {
    for (const f of SKIMAGE_ORIGINALS)
      if (existsSync(path.join(sk, f)))
        out.push({ file: path.join(sk, f), label: `sk-${path.parse(f).name}` });
  }
  return out;
}

async function buildCorpus(dir: string, limit: number): Promise<Item[]> {
  const items: Item[] = [];
  for (const { file, label } of sourceImages().slice(0, limit)) {
    const img = () => sharp(file).rotate().toColourspace('srgb');
    const meta = await sharp(file).metadata();
    if (!meta.width || !meta.height || meta.width < 64 || meta.height < 64) continue;
    const orig = path.join(dir, 'originals', `${label}.png`);
    mkdirSync(path.dirname(orig), { recursive: true });
    await img().png().toFile(orig);
    items.push({ path: orig, label, transform: 'original' });
    for (const [t, { ext, make }] of Object.entries(EVAL_TRANSFORMS)) {
      const p = path.join(dir, t, `${label}.${ext}`);
      mkdirSync(path.dirname(p), { recursive: true });
      await (await make(img(), meta)).toFile(p);
      items.push({ path: p, label, transform: t });
    }
  }
  return items;
}

/** Pairwise scores per transform from predicted groups (lists of absolute paths). */
export function score(items: readonly Item[], groups: readonly string[][]) {
  const groupOf = new Map<string, number>();
  groups.forEach((g, i) => g.forEach((p) => groupOf.set(p, i)));
  const same = (a: string, b: string) => groupOf.has(a) && groupOf.get(a) === groupOf.get(b);
  const transforms = [...new Set(items.map((i) => i.transform))].filter((t) => t !== 'original');
  const originals = new Map(items.filter((i) => i.transform === 'original').map((i) => [i.label, i.path]));
  const per: Record<string, { precision: number; recall: number; f1: number }> = {};
  for (const t of transforms) {
    const copies = items.filter((i) => i.transform === t);
    // Recall: each copy grouped with its original. Precision: of the pairs a copy forms with originals and
    // other copies of the same transform, the share that are true.
    let tp = 0;
    let fn = 0;
    let fp = 0;
    for (const c of copies) {
      if (same(c.path, originals.get(c.label)!)) tp++;
      else fn++;
      for (const o of items) {
        if (o === c || o.label === c.label || (o.transform !== 'original' && o.transform !== t)) continue;
        if (same(c.path, o.path) && (o.transform === 'original' || o.path > c.path)) fp++;
      }
    }
    const precision = tp + fp ? tp / (tp + fp) : 1;
    const recall = tp + fn ? tp / (tp + fn) : 1;
    per[t] = {
      precision,
      recall,
      f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
    };
  }
  // Overall: every pair of corpus files.
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
  return {
    perTransform: per,
    overall: { precision, recall, f1: (2 * precision * recall) / (precision + recall || 1) },
  };
}

function ensureFindimagedupes(): boolean {
  if (spawnSync('which', ['findimagedupes']).status === 0) return true;
  const r = spawnSync('apt-get', ['install', '-y', 'findimagedupes'], { stdio: 'ignore' });
  return r.status === 0 && spawnSync('which', ['findimagedupes']).status === 0;
}

function runFindimagedupes(dir: string, threshold: string): { groups: string[][]; ms: number } {
  const t0 = performance.now();
  // -R recurse, -q quiet, -t similarity threshold; one group per output line. No fingerprint db: a cold run.
  const r = spawnSync('findimagedupes', ['-R', '-q', '-t', threshold, dir], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  const ms = performance.now() - t0;
  if (r.status !== 0 && !r.stdout) throw new Error(`findimagedupes failed: ${r.stderr}`);
  return {
    groups: r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' ')),
    ms,
  };
}

export interface EvalOptions {
  /** How many source images (default all found, about 45). */
  originals?: number;
  findimagedupes?: boolean;
  workDir?: string;
}

/** Builds the corpus, runs rxvision (default settings, and with flip/rotation variants) and findimagedupes. */
export async function run(opts: EvalOptions = {}) {
  const dir = opts.workDir ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'dedup-eval-')));
  const items = await buildCorpus(path.join(dir, 'corpus'), opts.originals ?? 1000);
  const corpus = path.join(dir, 'corpus');
  const ordinary = Object.entries(EVAL_TRANSFORMS)
    .filter(([, t]) => !t.hard)
    .map(([n]) => n);
  const pool = hashPool();
  const results: Record<string, unknown> = {
    corpus: { originals: items.filter((i) => i.transform === 'original').length, images: items.length },
    poolSize: pool.size,
  };
  const summarise = (name: string, groups: string[][], ms: number) => {
    const s = score(items, groups);
    const ordinaryF1 = ordinary.reduce((a, t) => a + s.perTransform[t].f1, 0) / ordinary.length;
    results[name] = {
      ms: Math.round(ms),
      imagesPerSec: +(items.length / (ms / 1000)).toFixed(1),
      ordinaryF1,
      ...s,
    };
  };
  try {
    for (const [name, variants] of [
      ['rxvision', false],
      ['rxvision-flip-rotate', true],
    ] as const) {
      const t0 = performance.now();
      const r = await runDedupJob({ root: corpus, pool, settings: { features: { variants } as never } });
      summarise(
        name,
        r.report.groups.map((g) => g.members.map((m) => path.join(corpus, m.path))),
        performance.now() - t0,
      );
    }
  } finally {
    await closeAllPools();
  }
  if (opts.findimagedupes !== false && ensureFindimagedupes()) {
    const f = runFindimagedupes(corpus, '90%');
    summarise('findimagedupes', f.groups, f.ms);
  } else results.findimagedupes = 'not available';
  return results;
}

function fmt(results: Record<string, unknown>): string {
  const lines: string[] = [JSON.stringify(results.corpus)];
  for (const [name, r] of Object.entries(results)) {
    if (typeof r !== 'object' || r === null || !('perTransform' in r)) continue;
    const x = r as {
      ms: number;
      imagesPerSec: number;
      ordinaryF1: number;
      overall: { precision: number; recall: number; f1: number };
      perTransform: Record<string, { precision: number; recall: number; f1: number }>;
    };
    lines.push(
      `${name}: ${x.ms} ms, ${x.imagesPerSec} images/s, ordinary-transform mean F1 ${x.ordinaryF1.toFixed(3)}, overall P ${x.overall.precision.toFixed(3)} R ${x.overall.recall.toFixed(3)} F1 ${x.overall.f1.toFixed(3)}`,
    );
    for (const [t, s] of Object.entries(x.perTransform))
      lines.push(
        `  ${t.padEnd(10)} P ${s.precision.toFixed(3)} R ${s.recall.toFixed(3)} F1 ${s.f1.toFixed(3)}`,
      );
  }
  return lines.join('\n');
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const n = argv.indexOf('--originals');
  run({
    originals: n >= 0 ? Number(argv[n + 1]) : undefined,
    findimagedupes: !argv.includes('--no-findimagedupes'),
  }).then(
    (r) => {
      process.stdout.write(`${fmt(r)}\n${argv.includes('--json') ? JSON.stringify(r) + '\n' : ''}`);
    },
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
