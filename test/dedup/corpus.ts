/**
 * Test helper: a small labelled near-duplicate corpus built from the OpenCV sample images plus copies
 * transformed with sharp (resize, JPEG quality, crop, brightness, blur, PNG/WebP), and bad files.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import sharp, { type Metadata, type Sharp } from 'sharp';
import { assetsDir } from '../../src/util/paths';

/** Mutually distinct originals (no two are near-duplicates of each other). */
export const ORIGINALS = [
  'messi5.jpg',
  'baboon.jpg',
  'fruits.jpg',
  'building.jpg',
  'home.jpg',
  'starry_night.jpg',
  'apple.jpg',
  'orange.jpg',
  'butterfly.jpg',
  'chicky_512.png',
  'squirrel_cls.jpg',
  'HappyFish.jpg',
  'smarties.png',
  'sudoku.png',
  'board.jpg',
  'stuff.jpg',
  'box.png',
  'Blender_Suzanne1.jpg',
  'aero1.jpg',
  'basketball1.png',
  'rubberwhale1.png',
  'leuvenA.jpg',
  'graf1.png',
  'left01.jpg',
];

/** Where the OpenCV sample images are: $RXVISION_SAMPLES_DIR, fetched assets, or an unpacked opencv-doc. */
export function samplesDir(): string {
  const candidates = [
    process.env.RXVISION_SAMPLES_DIR,
    path.join(assetsDir(), 'samples'),
    '/usr/share/doc/opencv-doc/examples/data',
    '/tmp/ocvdoc/x/usr/share/doc/opencv-doc/examples/data',
  ].filter((d): d is string => !!d);
  const found = candidates.find((d) => ORIGINALS.every((f) => existsSync(path.join(d, f))));
  if (!found) {
    throw new Error(
      `OpenCV sample images not found in ${candidates.join(', ')}: run \`pipeline assets fetch\` or ` +
        '`apt-get download opencv-doc && dpkg -x opencv-doc_*.deb /tmp/ocvdoc/x`',
    );
  }
  return found;
}

type Maker = (img: Sharp, meta: Metadata) => Sharp;

/** The transformed copies made of every original (name -> sharp pipeline, output extension). */
export const TRANSFORMS: Record<string, { ext: string; make: Maker }> = {
  half: { ext: 'jpg', make: (img, m) => img.resize(Math.round(m.width! / 2)).jpeg({ quality: 90 }) },
  q40: { ext: 'jpg', make: (img) => img.jpeg({ quality: 40 }) },
  crop: {
    ext: 'jpg',
    make: (img, m) => {
      const dx = Math.round(m.width! * 0.04);
      const dy = Math.round(m.height! * 0.04);
      return img
        .extract({ left: dx, top: dy, width: m.width! - 2 * dx, height: m.height! - 2 * dy })
        .jpeg({ quality: 92 });
    },
  },
  bright: { ext: 'jpg', make: (img) => img.modulate({ brightness: 1.15 }).jpeg({ quality: 92 }) },
  blur: { ext: 'jpg', make: (img) => img.blur(1.5).jpeg({ quality: 92 }) },
  png: { ext: 'png', make: (img) => img.png() },
  webp: { ext: 'webp', make: (img) => img.webp({ quality: 80 }) },
};

/** One file of the corpus with its ground-truth label (the original it derives from). */
export interface CorpusFile {
  path: string;
  relPath: string;
  label: string;
  transform: string;
}

/**
 * Writes originals to `<dir>/originals/` and their copies to `<dir>/copies/<transform>/`; returns the
 * labelled list. `originals` picks a subset (default all).
 */
export async function makeCorpus(
  dir: string,
  originals: readonly string[] = ORIGINALS,
): Promise<CorpusFile[]> {
  const src = samplesDir();
  const out: CorpusFile[] = [];
  for (const name of originals) {
    const label = path.parse(name).name;
    const origRel = `originals/${name}`;
    await fs.mkdir(path.join(dir, 'originals'), { recursive: true });
    await fs.copyFile(path.join(src, name), path.join(dir, origRel));
    out.push({ path: path.join(dir, origRel), relPath: origRel, label, transform: 'original' });
    const meta = await sharp(path.join(src, name)).metadata();
    for (const [t, { ext, make }] of Object.entries(TRANSFORMS)) {
      const rel = `copies/${t}/${label}.${ext}`;
      await fs.mkdir(path.join(dir, 'copies', t), { recursive: true });
      await make(sharp(path.join(src, name)), meta).toFile(path.join(dir, rel));
      out.push({ path: path.join(dir, rel), relPath: rel, label, transform: t });
    }
  }
  return out;
}

/** Bad files: zero bytes, text named .png, a truncated JPEG, and a 20000x20000 PNG bomb. */
export async function makeBadFiles(dir: string): Promise<Record<string, string>> {
  await fs.mkdir(dir, { recursive: true });
  const src = samplesDir();
  const files = {
    empty: path.join(dir, 'empty.jpg'),
    text: path.join(dir, 'notes.png'),
    truncated: path.join(dir, 'truncated.jpg'),
    bomb: path.join(dir, 'bomb.png'),
  };
  await fs.writeFile(files.empty, '');
  await fs.writeFile(files.text, 'this is not an image\n'.repeat(20));
  const jpeg = await fs.readFile(path.join(src, 'baboon.jpg'));
  await fs.writeFile(files.truncated, jpeg.subarray(0, Math.floor(jpeg.length / 3)));
  await fs.writeFile(files.bomb, zeroPng(20000, 20000));
  return files;
}

/** One PNG chunk: length, type, data and CRC. */
export function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body));
  return Buffer.concat([len, body, crc]);
}

/**
 * A valid, all-black 1-bit grey PNG of the given size: a decompression bomb (20000x20000 is 400 Mpx in
 * about 50 kB on disk).
 */
export function zeroPng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 0; // grey
  const raw = Buffer.alloc((1 + Math.ceil(width / 8)) * height); // filter byte 0 + zero pixels per row
  const idat = zlib.deflateSync(raw, { level: 9 });
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', idat),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}
