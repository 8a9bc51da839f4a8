/**
 * Tiny raster helpers over plain typed arrays. The feature extractor decodes each file once into a small
 * RGB raster and derives every smaller view (hash inputs, SSIM thumbnail) from it with these functions.
 */
import type { Transform } from './types';

/** A row-major raster with `channels` interleaved samples per pixel. */
export interface Raster {
  data: Float32Array;
  width: number;
  height: number;
  channels: number;
}

/** Wraps 8-bit interleaved pixels as a float raster. */
export function rasterFromBytes(bytes: Uint8Array, width: number, height: number, channels: number): Raster {
  if (bytes.length !== width * height * channels) {
    throw new Error(`raster size mismatch: ${bytes.length} bytes for ${width}x${height}x${channels}`);
  }
  return { data: new Float32Array(bytes), width, height, channels };
}

/** Grey (ITU-R 601 luma, as PIL's "L" mode) from an RGB(A) raster; a grey raster is returned as is. */
export function toGrey(src: Raster): Raster {
  if (src.channels === 1) return src;
  const n = src.width * src.height;
  const out = new Float32Array(n);
  for (let i = 0, j = 0; i < n; i++, j += src.channels) {
    out[i] = 0.299 * src.data[j] + 0.587 * src.data[j + 1] + 0.114 * src.data[j + 2];
  }
  return { data: out, width: src.width, height: src.height, channels: 1 };
}

/** Per-axis weights of an area (box) resample from `from` samples to `to` samples. */
function areaWeights(from: number, to: number): { start: number; weights: number[] }[] {
  const scale = from / to;
  const out: { start: number; weights: number[] }[] = [];
  for (let o = 0; o < to; o++) {
    const a = o * scale;
    const b = a + scale;
    const start = Math.floor(a);
    const end = Math.min(from, Math.ceil(b));
    const weights: number[] = [];
    for (let i = start; i < end; i++) weights.push((Math.min(b, i + 1) - Math.max(a, i)) / scale);
    out.push({ start, weights });
  }
  return out;
}

/**
 * Area-average resample (exact for integer factors, fractional pixel coverage otherwise). Downscaling by
 * averaging is what makes hashes stable across resolutions of the same picture.
 */
export function resizeArea(src: Raster, width: number, height: number): Raster {
  if (src.width === width && src.height === height) return src;
  const { channels: c } = src;
  const wx = areaWeights(src.width, width);
  const wy = areaWeights(src.height, height);
  // Horizontal pass then vertical pass.
  const tmp = new Float32Array(width * src.height * c);
  for (let y = 0; y < src.height; y++) {
    for (let x = 0; x < width; x++) {
      const { start, weights } = wx[x];
      for (let k = 0; k < c; k++) {
        let s = 0;
        for (let i = 0; i < weights.length; i++)
          s += weights[i] * src.data[(y * src.width + start + i) * c + k];
        tmp[(y * width + x) * c + k] = s;
      }
    }
  }
  const out = new Float32Array(width * height * c);
  for (let y = 0; y < height; y++) {
    const { start, weights } = wy[y];
    for (let x = 0; x < width; x++) {
      for (let k = 0; k < c; k++) {
        let s = 0;
        for (let i = 0; i < weights.length; i++) s += weights[i] * tmp[((start + i) * width + x) * c + k];
        out[(y * width + x) * c + k] = s;
      }
    }
  }
  return { data: out, width, height, channels: c };
}

/** Applies a flip/rotation to a raster (used for the optional mirrored/rotated hash variants). */
export function transformRaster(src: Raster, t: Transform): Raster {
  if (t === 'identity') return src;
  const { width: w, height: h, channels: c } = src;
  const swap = t === 'rot90' || t === 'rot270' || t === 'transpose' || t === 'transverse';
  const ow = swap ? h : w;
  const oh = swap ? w : h;
  const out = new Float32Array(src.data.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let ox: number;
      let oy: number;
      switch (t) {
        case 'flipH':
          [ox, oy] = [w - 1 - x, y];
          break;
        case 'flipV':
          [ox, oy] = [x, h - 1 - y];
          break;
        case 'rot180':
          [ox, oy] = [w - 1 - x, h - 1 - y];
          break;
        case 'rot90': // clockwise
          [ox, oy] = [h - 1 - y, x];
          break;
        case 'rot270':
          [ox, oy] = [y, w - 1 - x];
          break;
        case 'transpose':
          [ox, oy] = [y, x];
          break;
        case 'transverse':
          [ox, oy] = [h - 1 - y, w - 1 - x];
          break;
      }
      for (let k = 0; k < c; k++) out[(oy * ow + ox) * c + k] = src.data[(y * w + x) * c + k];
    }
  }
  return { data: out, width: ow, height: oh, channels: c };
}

/** Same transform for a square 8-bit grey thumbnail. */
export function transformThumb(thumb: Uint8Array, size: number, t: Transform): Uint8Array {
  if (t === 'identity') return thumb;
  const r = transformRaster(rasterFromBytes(thumb, size, size, 1), t);
  return Uint8Array.from(r.data);
}

/** Clamps and rounds a float raster to bytes. */
export function toBytes(src: Raster): Uint8Array {
  const out = new Uint8Array(src.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.max(0, Math.min(255, Math.round(src.data[i])));
  return out;
}

/** Median of a numeric array (mean of the two middle values for even lengths), like numpy.median. */
export function median(values: ArrayLike<number>): number {
  const s = Array.from(values).sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
