/**
 * Feature extraction for one file, run inside the `hash` worker: one shrink-on-load decode with sharp
 * (EXIF orientation applied) into a small RGB raster, from which the hashes, the colour histogram, the SSIM
 * thumbnail and the optional embedding are all derived. Bad files come back as typed skip reasons.
 */
import { classifyDecodeError, inspectImageFile, openImage } from '../image-input';
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
  const inspected = await inspectImageFile(file, settings.limitInputPixels);
  if (!inspected.ok) return { ok: false, skipped: inspected.skipped };
  const { width, height, format } = inspected.header;
  const open = () => openImage(file, settings.limitInputPixels);
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
