/**
 * Feature extraction for one file, run inside the `hash` worker: one shrink-on-load decode with sharp
 * (EXIF orientation applied) into a small RGB raster, from which the hashes, the colour histogram, the SSIM
 * thumbnail and the optional embedding are all derived. Bad files come back as typed skip reasons.
 */
import { promises as fs, constants as fsConstants } from 'node:fs';
import sharp from 'sharp';
import { hsvHistogram } from './colour';
import { foregroundOf } from './foreground';
import type { Embedder } from './embedding';
import { hashSet } from './hashes';
import { rasterFromBytes, resizeArea, toBytes, toGrey, transformRaster, type Raster } from './pixels';
import type { FeatureResult, FeatureSettings, HashVariant, ImageFeatures, SkipReason } from './types';

/** Side of the square raster every file is decoded to (unless an embedding needs more). */
export const DECODE_SIZE = 128;

const VARIANT_TRANSFORMS: HashVariant['transform'][] = [
  'flipH',
  'flipV',
  'rot90',
  'rot180',
  'rot270',
  'transpose',
  'transverse',
];

/** Maps a sharp/libvips error message to a skip reason. */
export function classifyDecodeError(message: string): SkipReason {
  if (/pixel limit/i.test(message)) return 'too-many-pixels';
  if (/unsupported image format/i.test(message)) return 'not-an-image';
  if (/input file is missing|permission denied|EACCES|ENOENT/i.test(message)) return 'unreadable';
  return 'corrupt';
}

function skip(path: string, reason: SkipReason, detail: string): FeatureResult {
  return { ok: false, skipped: { path, reason, detail } };
}

/** Features of an already decoded raster (pure; used by {@link extractFeatures} and by tests). */
export function featuresFromRaster(
  raster: Raster,
  meta: { path: string; width: number; height: number; format: string },
  settings: FeatureSettings,
): ImageFeatures {
  const grey = toGrey(raster);
  const variants: HashVariant[] = settings.variants
    ? VARIANT_TRANSFORMS.map((transform) => ({ transform, ...hashSet(transformRaster(grey, transform)) }))
    : [];
  return {
    ...meta,
    hashes: hashSet(grey),
    variants,
    colour: hsvHistogram(raster, settings.hsvBins),
    thumb: toBytes(resizeArea(grey, settings.thumbSize, settings.thumbSize)),
    thumbSize: settings.thumbSize,
    foreground: foregroundOf(raster, settings.foreground),
  };
}

/**
 * Decodes `file` once and computes its features with complete `settings` (parsed by the config layer). Never throws for a bad file: empty, unreadable,
 * non-image, corrupt/truncated and over-the-pixel-limit files return `{ ok: false, skipped }`.
 */
export async function extractFeatures(
  file: string,
  settings: FeatureSettings,
  embedder?: Embedder,
): Promise<FeatureResult> {
  try {
    const st = await fs.stat(file);
    if (!st.isFile()) return skip(file, 'unreadable', `${file}: not a regular file`);
    if (st.size === 0) return skip(file, 'empty-file', `${file}: zero bytes`);
    await fs.access(file, fsConstants.R_OK);
  } catch (err) {
    return skip(file, 'unreadable', `${file}: ${(err as Error).message}`);
  }
  const open = () => sharp(file, { limitInputPixels: settings.limitInputPixels, failOn: 'error' });
  let width: number;
  let height: number;
  let format: string;
  try {
    // Header only: lets bombs be refused before any pixel is decoded.
    const meta = await open().metadata();
    if (!meta.width || !meta.height) return skip(file, 'corrupt', `${file}: no image dimensions in header`);
    const pixels = meta.width * meta.height;
    if (pixels > settings.limitInputPixels) {
      return skip(
        file,
        'too-many-pixels',
        `${file}: ${meta.width}x${meta.height} exceeds limitInputPixels ${settings.limitInputPixels}`,
      );
    }
    const swap = (meta.orientation ?? 1) >= 5;
    width = swap ? meta.height : meta.width;
    height = swap ? meta.width : meta.height;
    format = meta.format ?? 'unknown';
  } catch (err) {
    const message = (err as Error).message;
    return skip(file, classifyDecodeError(message), `${file}: ${message}`);
  }
  const size = Math.max(DECODE_SIZE, settings.embedding?.inputSize ?? 0);
  let raster: Raster;
  try {
    const { data, info } = await open()
      .rotate()
      .resize(size, size, { fit: 'fill' })
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    raster = rasterFromBytes(
      new Uint8Array(data.buffer, data.byteOffset, data.length),
      info.width,
      info.height,
      info.channels,
    );
  } catch (err) {
    const message = (err as Error).message;
    return skip(file, classifyDecodeError(message), `${file}: ${message}`);
  }
  const features = featuresFromRaster(raster, { path: file, width, height, format }, settings);
  if (embedder) {
    try {
      features.embedding = await embedder.embed(raster);
    } catch (err) {
      return skip(file, 'embedding-failed', `${file}: ${(err as Error).message}`);
    }
  }
  return { ok: true, features };
}
