/**
 * Colour signature: an HSV histogram (default 8 hue x 4 saturation x 4 value bins), L1-normalised, and
 * the two usual comparisons. Mirrors OpenCV's calcHist on HSV, but over the small decoded raster.
 */
import type { Raster } from './pixels';

/** Bin counts per HSV axis. */
export interface HsvBins {
  h: number;
  s: number;
  v: number;
}

export const DEFAULT_HSV_BINS: HsvBins = { h: 8, s: 4, v: 4 };

/** RGB in 0..255 to HSV with h in [0,1), s and v in [0,1]. */
export function rgbToHsv(r: number, g: number, b: number): [number, number, number] {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const d = max - min;
  let h = 0;
  if (d > 0) {
    if (max === r) h = ((g - b) / d) % 6;
    else if (max === g) h = (b - r) / d + 2;
    else h = (r - g) / d + 4;
    h /= 6;
    if (h < 0) h += 1;
  }
  return [h, max === 0 ? 0 : d / max, max / 255];
}

/**
 * Soft bin assignment: the value's weight is split linearly between the two nearest bin centres, so a
 * small shift (a brightness change, recompression) moves mass gradually instead of jumping bins.
 * Hue wraps around; saturation and value clamp at the ends.
 */
function softBins(x: number, n: number, circular: boolean): [number, number, number] {
  const p = x * n - 0.5;
  let lo = Math.floor(p);
  const w = p - lo;
  let hi = lo + 1;
  if (circular) {
    lo = (lo + n) % n;
    hi = hi % n;
  } else {
    lo = Math.max(0, lo);
    hi = Math.min(n - 1, hi);
  }
  return [lo, hi, w];
}

/** L1-normalised, softly binned HSV histogram of an RGB(A) raster (grey rasters have all mass at s = 0). */
export function hsvHistogram(src: Raster, bins: HsvBins = DEFAULT_HSV_BINS): Float32Array {
  const hist = new Float32Array(bins.h * bins.s * bins.v);
  const n = src.width * src.height;
  const c = src.channels;
  const sv = bins.s * bins.v;
  for (let i = 0, j = 0; i < n; i++, j += c) {
    const r = src.data[j];
    const g = c >= 3 ? src.data[j + 1] : r;
    const b = c >= 3 ? src.data[j + 2] : r;
    const [h, s, v] = rgbToHsv(r, g, b);
    const [h0, h1, hw] = softBins(h, bins.h, true);
    const [s0, s1, sw] = softBins(s, bins.s, false);
    const [v0, v1, vw] = softBins(v, bins.v, false);
    const base = [h0 * sv, h1 * sv];
    const hws = [1 - hw, hw];
    const sOff = [s0 * bins.v, s1 * bins.v];
    const sws = [1 - sw, sw];
    for (let a = 0; a < 2; a++) {
      for (let b2 = 0; b2 < 2; b2++) {
        const off = base[a] + sOff[b2];
        const wt = hws[a] * sws[b2];
        hist[off + v0] += wt * (1 - vw);
        hist[off + v1] += wt * vw;
      }
    }
  }
  for (let i = 0; i < hist.length; i++) hist[i] /= n;
  return hist;
}

/** Histogram intersection of two L1-normalised histograms: 1 identical, 0 disjoint. */
export function histogramIntersection(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`histogram lengths differ: ${a.length} vs ${b.length}`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.min(a[i], b[i]);
  return s;
}

/** Symmetric chi-square distance: 0 identical, up to 2 for disjoint normalised histograms. */
export function chiSquare(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`histogram lengths differ: ${a.length} vs ${b.length}`);
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const t = a[i] + b[i];
    if (t > 0) s += ((a[i] - b[i]) * (a[i] - b[i])) / t;
  }
  return s;
}
