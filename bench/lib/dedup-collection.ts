/**
 * A labelled dedup collection built from Debian packages (bench only): photos (gnome-backgrounds,
 * desktop-base wallpapers, opencv-doc samples), clip art on white (openclipart-svg), icons (tango and
 * breeze, whose same-template folder and mime-type icons are the hard negatives), and document pages
 * (the Debian Reference PDF rendered by pdftoppm), each with the ordinary transforms of the dedup eval.
 *
 * Every source image is one label; its copies share it. The split (tune/report) is by label, from a hash
 * of its name, so thresholds picked on `tune` never saw a picture of `report`. Built once into
 * ~/.cache/rxvision/dedup-collection-v2 (a manifest lists every file).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, promises as fs, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';

/** Debian packages the collection is built from (installed by the bench, listed in scripts/test.sh). */
export const COLLECTION_PACKAGES = [
  'gnome-backgrounds',
  'desktop-base',
  'opencv-doc',
  'openclipart-svg',
  'tango-icon-theme',
  'breeze-icon-theme',
  'poppler-utils',
  'debian-reference-en',
];

export type SourceKind = 'photo' | 'clipart' | 'icon' | 'document';
export type Split = 'tune' | 'report';

/** One file of the collection. */
export interface CollectionItem {
  /** Absolute path. */
  path: string;
  /** The source picture: files with equal labels are copies of one another. */
  label: string;
  kind: SourceKind;
  /** 'original' or the name of an ordinary transform. */
  transform: string;
  split: Split;
}

const VERSION = 'dedup-collection-v2';

export function collectionDir(): string {
  return path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'rxvision', VERSION);
}

/** Deterministic split by label: about half the pictures tune, the other half report. */
export function splitOf(label: string): Split {
  return createHash('sha1').update(label).digest()[0] < 128 ? 'tune' : 'report';
}

function watermarkSvg(w: number, h: number): Buffer {
  const size = Math.max(10, Math.round(h / 16));
  return Buffer.from(
    `<svg width="${w}" height="${h}"><text x="${w - 6}" y="${h - 6}" text-anchor="end" font-size="${size}" ` +
      `font-family="sans-serif" fill="grey" fill-opacity="0.6">© rxvision</text></svg>`,
  );
}

type Maker = (img: Sharp, w: number, h: number) => Sharp;

/** The ordinary transforms (target: precision >= 0.99, F1 >= 0.97 over all of them). */
export const ORDINARY_TRANSFORMS: Record<string, { ext: string; dir: string; make: Maker }> = {
  resize50: {
    ext: 'jpg',
    dir: 'resized',
    make: (i, w) => i.resize(Math.max(16, Math.round(w / 2))).jpeg({ quality: 90 }),
  },
  jpeg40: { ext: 'jpg', dir: 'jpeg', make: (i) => i.jpeg({ quality: 40 }) },
  webp: { ext: 'webp', dir: 'webp', make: (i) => i.webp({ quality: 80 }) },
  png: { ext: 'png', dir: 'png/nested/deeper', make: (i) => i.png() },
  watermark: {
    ext: 'jpg',
    dir: 'marked',
    make: (i, w, h) => i.composite([{ input: watermarkSvg(w, h) }]).jpeg({ quality: 88 }),
  },
  bright: { ext: 'jpg', dir: 'bright', make: (i) => i.modulate({ brightness: 1.12 }).jpeg({ quality: 90 }) },
  crop4: {
    ext: 'jpg',
    dir: 'cropped/a',
    make: (i, w, h) => {
      const dx = Math.round(w * 0.02);
      const dy = Math.round(h * 0.02);
      return i.extract({ left: dx, top: dy, width: w - 2 * dx, height: h - 2 * dy }).jpeg({ quality: 92 });
    },
  },
  upscale: { ext: 'png', dir: 'big', make: (i, w) => i.resize(Math.round(w * 1.5)).png() },
};

/** Every `step`-th entry of a sorted list, up to `n`. */
function spread<T>(xs: readonly T[], n: number): T[] {
  if (xs.length <= n) return [...xs];
  const step = xs.length / n;
  return Array.from({ length: n }, (_, i) => xs[Math.floor(i * step)]);
}

function walk(dir: string, match: (f: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p, match));
    else if (e.isFile() && match(p)) out.push(p);
  }
  return out.sort();
}

const OPENCV_DATA = '/usr/share/doc/opencv-doc/examples/data';
/** opencv-doc samples that are not near-duplicates of each other (no stereo pairs or sequences). */
const OPENCV_SAMPLES = [
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
  'lena.jpg',
  'notes.png',
  'text_defect.png',
  'gradient.png',
  'mask.png',
  'opencv-logo.png',
  'lena_tmpl.jpg',
  'tmpl.png',
  'pca_test1.jpg',
  'imageTextN.png',
  'blox.jpg',
  'detect_blob.png',
  'licenseplate_motion.jpg',
  'digits.png',
  'ml.png',
  'chessboard.png',
  'cards.png',
  'WindowsLogo.jpg',
];

interface Source {
  label: string;
  kind: SourceKind;
  /** Renders the source as a flat sRGB picture (PNG bytes). */
  render(): Promise<Buffer>;
}

const flatPng = (img: Sharp) => img.flatten({ background: '#ffffff' }).toColourspace('srgb').png().toBuffer();

function svgSource(label: string, kind: SourceKind, file: string, box: number): Source {
  return {
    label,
    kind,
    render: async () =>
      flatPng(sharp(file, { density: 144, limitInputPixels: 1e8 }).resize(box, box, { fit: 'inside' })),
  };
}

function photoSource(label: string, file: string, maxSide = 1024): Source {
  return {
    label,
    kind: 'photo',
    render: () =>
      flatPng(
        sharp(file, { density: 48 })
          .rotate()
          .resize(maxSide, maxSide, { fit: 'inside', withoutEnlargement: true }),
      ),
  };
}

function pdfPages(dir: string): Source[] {
  const pdf = '/usr/share/debian-reference/debian-reference.en.pdf';
  if (!existsSync(pdf)) return [];
  const pagesDir = path.join(dir, '_pages');
  mkdirSync(pagesDir, { recursive: true });
  if (readdirSync(pagesDir).length === 0) {
    const r = spawnSync('pdftoppm', [
      '-r',
      '60',
      '-f',
      '10',
      '-l',
      '89',
      '-png',
      pdf,
      path.join(pagesDir, 'p'),
    ]);
    if (r.status !== 0) throw new Error(`pdftoppm ${pdf} failed: ${r.stderr}`);
  }
  // Every other page: neighbours share a layout (the similar-pages hard negatives stay plentiful).
  return spread(readdirSync(pagesDir).sort(), 40).map((f) => ({
    label: `doc-${path.parse(f).name}`,
    kind: 'document' as const,
    render: () => flatPng(sharp(path.join(pagesDir, f))),
  }));
}

/** The source pictures, in a fixed order (missing packages leave their part out; `check` says which). */
function sources(dir: string): Source[] {
  const out: Source[] = [];
  for (const f of readdirSync('/usr/share/backgrounds/gnome').sort())
    if (!/-d\.|\.xml$/.test(f))
      out.push(photoSource(`gnome-${path.parse(f).name}`, path.join('/usr/share/backgrounds/gnome', f)));
  for (const theme of readdirSync('/usr/share/desktop-base').sort()) {
    const imgs = path.join('/usr/share/desktop-base', theme, 'wallpaper/contents/images');
    if (!theme.endsWith('-theme') || !existsSync(imgs)) continue;
    const first = readdirSync(imgs)
      .sort()
      .find((f) => f.startsWith('1920x1080'));
    if (first) out.push(photoSource(`wall-${theme}`, path.join(imgs, first)));
  }
  for (const f of OPENCV_SAMPLES)
    if (existsSync(path.join(OPENCV_DATA, f)))
      out.push(photoSource(`cv-${path.parse(f).name}`, path.join(OPENCV_DATA, f)));
  const clipart = walk('/usr/share/openclipart', (f) => {
    if (!f.endsWith('.svg')) return false;
    const size = statSync(f).size;
    return size > 4_000 && size < 120_000;
  });
  spread(clipart, 150).forEach((f) => out.push(svgSource(`clip-${path.parse(f).name}`, 'clipart', f, 512)));
  const tango = walk('/usr/share/icons/Tango/scalable', (f) => f.endsWith('.svg'));
  spread(tango, 60).forEach((f) => out.push(svgSource(`tango-${path.parse(f).name}`, 'icon', f, 256)));
  const breeze = [
    ...spread(
      walk('/usr/share/icons/breeze/places/64', (f) => /folder-/.test(f)),
      30,
    ),
    ...spread(
      walk('/usr/share/icons/breeze/mimetypes/64', (f) => f.endsWith('.svg')),
      20,
    ),
    ...spread(
      walk('/usr/share/icons/breeze/apps/48', (f) => f.endsWith('.svg')),
      20,
    ),
  ];
  breeze.forEach((f) =>
    out.push(
      svgSource(
        `breeze-${path.basename(path.dirname(path.dirname(f)))}-${path.parse(f).name}`,
        'icon',
        f,
        256,
      ),
    ),
  );
  out.push(...pdfPages(dir));
  return out;
}

/** Installs the packages the collection needs when one is missing (bench only; needs root and apt lists). */
export function ensureCollectionPackages(): void {
  const missing = COLLECTION_PACKAGES.filter(
    (p) =>
      spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' }).stdout.indexOf(
        'install ok installed',
      ) < 0,
  );
  if (missing.length === 0) return;
  const r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], {
    stdio: 'ignore',
  });
  if (r.status !== 0) throw new Error(`dedup collection: apt-get install ${missing.join(' ')} failed`);
}

/**
 * Builds (or reuses) the collection and returns its items. Sources whose render fails, comes out blank or
 * repeats another source's pixels are left out (openclipart has a few identical drawings).
 */
export async function buildCollection(
  opts: { dir?: string; log?: (m: string) => void } = {},
): Promise<CollectionItem[]> {
  const dir = opts.dir ?? collectionDir();
  const manifest = path.join(dir, 'manifest.json');
  if (existsSync(manifest)) return JSON.parse(await fs.readFile(manifest, 'utf8')) as CollectionItem[];
  ensureCollectionPackages();
  const files = path.join(dir, 'files');
  const items: CollectionItem[] = [];
  const seen = new Set<string>();
  const all = sources(dir);
  for (const [n, src] of all.entries()) {
    let png: Buffer;
    try {
      png = await src.render();
    } catch (err) {
      opts.log?.(`skip ${src.label}: ${(err as Error).message}`);
      continue;
    }
    const { data, info } = await sharp(png)
      .greyscale()
      .resize(32, 32, { fit: 'fill' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    let lo = 255;
    let hi = 0;
    for (const v of data) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
    const key = createHash('sha1').update(data).digest('hex');
    if (hi - lo < 24 || seen.has(key) || info.width !== 32) continue;
    seen.add(key);
    const meta = await sharp(png).metadata();
    const split = splitOf(src.label);
    const orig = path.join(files, 'originals', `${src.label}.png`);
    mkdirSync(path.dirname(orig), { recursive: true });
    await fs.writeFile(orig, png);
    items.push({ path: orig, label: src.label, kind: src.kind, transform: 'original', split });
    for (const [t, { ext, dir: sub, make }] of Object.entries(ORDINARY_TRANSFORMS)) {
      const p = path.join(files, sub, `${src.label}.${ext}`);
      mkdirSync(path.dirname(p), { recursive: true });
      await make(sharp(png), meta.width!, meta.height!).toFile(p);
      items.push({ path: p, label: src.label, kind: src.kind, transform: t, split });
    }
    if (n % 50 === 0) opts.log?.(`collection: ${n}/${all.length} sources`);
  }
  await fs.writeFile(manifest, JSON.stringify(items));
  return items;
}

/**
 * The items of one split hard-linked into their own folder (so a dedup run sees that split only), with
 * the paths rewritten to it.
 */
export async function splitFolder(
  items: readonly CollectionItem[],
  split: Split,
  dir = collectionDir(),
): Promise<{ root: string; items: CollectionItem[] }> {
  const root = path.join(dir, `split-${split}`);
  const files = path.join(dir, 'files');
  const out: CollectionItem[] = [];
  for (const it of items) {
    if (it.split !== split) continue;
    const p = path.join(root, path.relative(files, it.path));
    if (!existsSync(p)) {
      mkdirSync(path.dirname(p), { recursive: true });
      await fs.link(it.path, p);
    }
    out.push({ ...it, path: p });
  }
  return { root, items: out };
}
