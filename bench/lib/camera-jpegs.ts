/**
 * Camera-size JPEGs for the dedup speed comparison (bench only): N pictures of 1600x1200 cut from the
 * Debian photos of the labelled collection (bench/lib/dedup-collection.ts: wallpapers and opencv-doc
 * samples), quality 90, every tenth a re-encoded (quality 75) copy of the picture before it, so both
 * tools have real groups to find. Built once per count into ~/.cache/rxvision/camera-jpegs-<count>.
 *
 * Each picture is a different window of a source photo (position and zoom from a seeded generator),
 * enlarged to the camera size: what matters here is what a camera file costs to decode (1.9 MP, about
 * 130-250 kB), not the picture itself.
 */
import { existsSync, mkdirSync, promises as fs, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { buildCollection, collectionDir, type CollectionItem } from './dedup-collection';
import { seededRandom } from './seeded-random';

export const CAMERA_WIDTH = 1600;
export const CAMERA_HEIGHT = 1200;

/** The original photos of the labelled collection (at most 1024 px on a side, flat sRGB PNG). */
async function sourcePhotos(): Promise<{ file: string; width: number; height: number }[]> {
  const items = await buildCollection();
  const out: { file: string; width: number; height: number }[] = [];
  for (const it of items) {
    if (it.kind !== 'photo' || it.transform !== 'original') continue;
    const m = await sharp(it.path).metadata();
    if ((m.width ?? 0) >= 256 && (m.height ?? 0) >= 256)
      out.push({ file: it.path, width: m.width!, height: m.height! });
  }
  if (out.length === 0) throw new Error(`camera JPEGs: no photo originals in ${collectionDir()}`);
  return out;
}

const fileName = (i: number): string => `cam-${String(i).padStart(6, '0')}.jpg`;

/** Labels of the set: a planted copy (every tenth file) shares the label of the file before it. */
function labelled(root: string, count: number): CollectionItem[] {
  return Array.from({ length: count }, (_, i) => {
    const copy = i % 10 === 9;
    return {
      path: path.join(root, fileName(i)),
      label: `cam-${copy ? i - 1 : i}`,
      kind: 'photo',
      transform: copy ? 'jpeg75' : 'original',
      split: 'report',
    };
  });
}

/**
 * The folder of `count` camera-size JPEGs (built on first use; a partial build is never reused) and its
 * labelled items (one label per picture; a planted copy shares its original's).
 */
export async function cameraJpegs(count: number): Promise<{ root: string; items: CollectionItem[] }> {
  const root = path.join(path.dirname(collectionDir()), `camera-jpegs-${count}`);
  if (existsSync(root) && readdirSync(root).length === count) return { root, items: labelled(root, count) };
  const photos = await sourcePhotos();
  const tmp = `${root}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const rnd = seededRandom(count);
  let previous: Buffer | undefined;
  for (let i = 0; i < count; i++) {
    const name = path.join(tmp, fileName(i));
    if (i % 10 === 9 && previous) {
      await sharp(previous).jpeg({ quality: 75 }).toFile(name);
      continue;
    }
    const src = photos[i % photos.length];
    // A 4:3 window covering 35-100 % of the photo's shorter side, anywhere inside it.
    const zoom = 0.35 + 0.65 * rnd();
    const h = Math.max(64, Math.floor(Math.min(src.height, (src.width * 3) / 4) * zoom));
    const w = Math.min(src.width, Math.floor((h * 4) / 3));
    const left = Math.floor(rnd() * (src.width - w));
    const top = Math.floor(rnd() * (src.height - h));
    previous = await sharp(src.file)
      .extract({ left, top, width: w, height: h })
      .resize(CAMERA_WIDTH, CAMERA_HEIGHT, { fit: 'fill' })
      .modulate({ brightness: 0.9 + 0.2 * rnd(), hue: Math.floor(rnd() * 30) })
      .jpeg({ quality: 90 })
      .toBuffer();
    await fs.writeFile(name, previous);
  }
  rmSync(root, { recursive: true, force: true });
  renameSync(tmp, root);
  return { root, items: labelled(root, count) };
}
