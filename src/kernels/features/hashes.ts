/**
 * 64-bit perceptual hashes over grey rasters, following the definitions of Python's imagehash so results
 * are comparable in spirit: dHash (horizontal gradient signs), pHash (signs of the low 8x8 DCT block
 * against its median) and wHash (Haar wavelet LL band against its median).
 */
import { bitsToHex } from './hamming';
import { median, resizeArea, toGrey, type Raster } from './pixels';
import type { HashSet } from './types';

/** Side of the square grey image the wavelet hash starts from (imagehash's `image_scale`). */
export const WHASH_SCALE = 64;
/** Side of the square grey image the DCT hash starts from (imagehash's `hash_size * highfreq_factor`). */
export const PHASH_SCALE = 32;

/**
 * Differences below this many grey levels count as equal in dHash and wHash: re-encoding leaves
 * sub-level noise on flat areas (a white background), which would otherwise flip those bits at random.
 */
export const HASH_NOISE_LEVELS = 0.5;

/** dHash: the image at 9x8, one bit per horizontally adjacent pair (right brighter than left). */
export function dHash(src: Raster): string {
  const g = resizeArea(toGrey(src), 9, 8);
  const bits: boolean[] = [];
  for (let y = 0; y < 8; y++)
    for (let x = 0; x < 8; x++) bits.push(g.data[y * 9 + x + 1] > g.data[y * 9 + x] + HASH_NOISE_LEVELS);
  return bitsToHex(bits);
}

/** First `k` coefficients of an unnormalised DCT-II (scipy's default) of `n` samples taken with `stride`. */
function dctLow(
  data: Float32Array | Float64Array,
  offset: number,
  stride: number,
  n: number,
  k: number,
): Float64Array {
  const out = new Float64Array(k);
  for (let u = 0; u < k; u++) {
    let s = 0;
    for (let x = 0; x < n; x++)
      s += data[offset + x * stride] * Math.cos((Math.PI * u * (2 * x + 1)) / (2 * n));
    out[u] = 2 * s;
  }
  return out;
}

/** pHash: 2-D DCT of the 32x32 grey image, low-frequency 8x8 block thresholded at its median. */
export function pHash(src: Raster): string {
  const n = PHASH_SCALE;
  const g = resizeArea(toGrey(src), n, n);
  // Row transform (8 low coefficients per row), then column transform of those 8 columns.
  const rows = new Float64Array(n * 8);
  for (let y = 0; y < n; y++) rows.set(dctLow(g.data, y * n, 1, n, 8), y * 8);
  const low = new Float64Array(64);
  for (let u = 0; u < 8; u++) {
    const col = dctLow(rows, u, 8, n, 8);
    for (let v = 0; v < 8; v++) low[v * 8 + u] = col[v];
  }
  const med = median(low);
  return bitsToHex(Array.from(low, (c) => c > med));
}

/** One level of the orthonormal 2-D Haar transform, keeping only the LL (approximation) band. */
export function haarLL(data: Float64Array, size: number): Float64Array {
  const half = size >> 1;
  const out = new Float64Array(half * half);
  for (let y = 0; y < half; y++) {
    for (let x = 0; x < half; x++) {
      const i = 2 * y * size + 2 * x;
      out[y * half + x] = (data[i] + data[i + 1] + data[i + size] + data[i + size + 1]) / 2;
    }
  }
  return out;
}

/**
 * wHash (imagehash.whash, mode 'haar', remove_max_haar_ll): grey 64x64 in [0,1]; the coarsest Haar LL
 * coefficient is removed (for the orthonormal Haar basis that is exactly the image mean), then three Haar
 * levels reduce 64x64 to the 8x8 LL band, which is thresholded at its median.
 */
export function wHash(src: Raster): string {
  const n = WHASH_SCALE;
  const g = resizeArea(toGrey(src), n, n);
  let band: Float64Array = new Float64Array(n * n);
  let mean = 0;
  for (let i = 0; i < band.length; i++) mean += g.data[i] / 255;
  mean /= band.length;
  for (let i = 0; i < band.length; i++) band[i] = g.data[i] / 255 - mean;
  for (let size = n; size > 8; size >>= 1) band = haarLL(band, size);
  const med = median(band);
  // Each orthonormal Haar level doubles a flat area's value: one grey level is 8/255 in the 8x8 band.
  const eps = (HASH_NOISE_LEVELS * 8) / 255;
  return bitsToHex(Array.from(band, (c) => c > med + eps));
}

/** All three hashes of one raster. */
export function hashSet(src: Raster): HashSet {
  const grey = toGrey(src);
  return { whash: wHash(grey), phash: pHash(grey), dhash: dHash(grey) };
}
