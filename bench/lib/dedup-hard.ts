/**
 * The hard-copy variant of the labelled dedup collection (issue 16): each original of the ordinary
 * collection with flipped, rotated (3-10 degrees), greyscale, 70 % crop and combined copies, in its own
 * folder (`<collection>/hard`) so the ordinary-transform figures stay comparable. Same labels and the same
 * tune/report split by picture as the ordinary collection. Deterministic: the rotation angle and crop
 * corner come from a hash of the label.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, promises as fs } from 'node:fs';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { collectionDir, type CollectionItem } from './dedup-collection';

type Maker = (img: Sharp, w: number, h: number, label: string) => Sharp | Promise<Sharp>;

/** 3..10 degrees, either direction, from the label. */
function angleOf(label: string): number {
  const b = createHash('sha1').update(`rotate:${label}`).digest();
  return (3 + (b[0] % 8)) * (b[1] & 1 ? 1 : -1);
}

/** A crop keeping `keep` of each side, anchored at a corner or the centre chosen by the label. */
function cropOf(img: Sharp, w: number, h: number, keep: number, label: string): Sharp {
  const cw = Math.max(8, Math.round(w * keep));
  const ch = Math.max(8, Math.round(h * keep));
  const anchor = createHash('sha1').update(`crop:${label}`).digest()[0] % 5;
  const fx = [0.5, 0, 1, 0, 1][anchor];
  const fy = [0.5, 0, 0, 1, 1][anchor];
  return img.extract({
    left: Math.round((w - cw) * fx),
    top: Math.round((h - ch) * fy),
    width: cw,
    height: ch,
  });
}

/** Rotated about the centre on white, then cropped back to the original frame (as a camera app does). */
async function rotateOf(img: Sharp, w: number, h: number, label: string): Promise<Sharp> {
  const rotated = await img.rotate(angleOf(label), { background: '#ffffff' }).png().toBuffer();
  return sharp(rotated).resize(w, h, { fit: 'cover' });
}

/** The hard transforms (target: recall >= 0.80 each, precision >= 0.99 overall). */
export const HARD_TRANSFORMS: Record<string, { dir: string; make: Maker }> = {
  flip: { dir: 'flipped', make: (i) => i.flop().jpeg({ quality: 90 }) },
  rotate: { dir: 'rotated', make: rotateOf },
  grey: { dir: 'grey', make: (i) => i.greyscale().jpeg({ quality: 90 }) },
  crop70: { dir: 'crop70', make: (i, w, h, label) => cropOf(i, w, h, 0.7, label).jpeg({ quality: 90 }) },
  combined: {
    dir: 'combined',
    make: (i, w, h, label) => cropOf(i, w, h, 0.85, label).flop().greyscale().jpeg({ quality: 85 }),
  },
};

/** Builds (or reuses) the hard variant from the ordinary collection's originals; returns its items. */
export async function buildHardCollection(
  ordinary: readonly CollectionItem[],
  dir = path.join(collectionDir(), 'hard'),
): Promise<CollectionItem[]> {
  const manifest = path.join(dir, 'manifest.json');
  if (existsSync(manifest)) return JSON.parse(await fs.readFile(manifest, 'utf8')) as CollectionItem[];
  const items: CollectionItem[] = [];
  for (const o of ordinary.filter((i) => i.transform === 'original')) {
    const orig = path.join(dir, 'files', 'originals', path.basename(o.path));
    mkdirSync(path.dirname(orig), { recursive: true });
    if (!existsSync(orig)) await fs.link(o.path, orig);
    items.push({ ...o, path: orig });
    const { width, height } = await sharp(o.path).metadata();
    for (const [t, { dir: sub, make }] of Object.entries(HARD_TRANSFORMS)) {
      const p = path.join(dir, 'files', sub, `${o.label}.jpg`);
      mkdirSync(path.dirname(p), { recursive: true });
      // Flattened on white first: JPEG has no alpha and the clip art is transparent.
      const base = sharp(await sharp(o.path).flatten({ background: '#ffffff' }).png().toBuffer());
      (await make(base, width!, height!, o.label)).jpeg({ quality: 90 }).toFile(p);
      items.push({ ...o, path: p, transform: t });
    }
  }
  await fs.writeFile(manifest, JSON.stringify(items));
  return items;
}
