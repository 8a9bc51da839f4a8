/**
 * Structural similarity (Wang et al. 2004) between two equally sized grey thumbnails, averaged over
 * sliding windows (7x7, stride 1, uniform weights, as skimage's default) with the standard constants.
 */

const K1 = 0.01;
const K2 = 0.03;
const L = 255;
const C1 = (K1 * L) ** 2;
const C2 = (K2 * L) ** 2;

/** Mean SSIM in [-1, 1] of two square `size` x `size` 8-bit thumbnails. */
export function ssim(a: Uint8Array, b: Uint8Array, size: number, window = 7): number {
  const { map } = ssimMap(a, b, size, window);
  let total = 0;
  for (const v of map) total += v;
  return total / map.length;
}

/**
 * SSIM of every window position (row-major, `side` x `side` positions, window top-left at (x, y)), for
 * callers that average over a part of the image only (foreground.ts).
 */
export function ssimMap(
  a: Uint8Array,
  b: Uint8Array,
  size: number,
  window = 7,
): { map: Float64Array; side: number } {
  if (a.length !== size * size || b.length !== size * size) {
    throw new Error(`ssim: thumbnails must be ${size}x${size} (got ${a.length} and ${b.length} pixels)`);
  }
  const w = Math.min(window, size);
  const n = w * w;
  // Summed-area tables make each window O(1).
  const stride = size + 1;
  const sa = new Float64Array(stride * stride);
  const sb = new Float64Array(stride * stride);
  const saa = new Float64Array(stride * stride);
  const sbb = new Float64Array(stride * stride);
  const sab = new Float64Array(stride * stride);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = (y + 1) * stride + x + 1;
      const va = a[y * size + x];
      const vb = b[y * size + x];
      const up = i - stride;
      sa[i] = va + sa[i - 1] + sa[up] - sa[up - 1];
      sb[i] = vb + sb[i - 1] + sb[up] - sb[up - 1];
      saa[i] = va * va + saa[i - 1] + saa[up] - saa[up - 1];
      sbb[i] = vb * vb + sbb[i - 1] + sbb[up] - sbb[up - 1];
      sab[i] = va * vb + sab[i - 1] + sab[up] - sab[up - 1];
    }
  }
  const box = (t: Float64Array, x: number, y: number) =>
    t[(y + w) * stride + x + w] - t[y * stride + x + w] - t[(y + w) * stride + x] + t[y * stride + x];
  const side = size - w + 1;
  const map = new Float64Array(side * side);
  // Sample covariance (n - 1), as skimage does by default.
  const cov = n / (n - 1);
  for (let y = 0; y + w <= size; y++) {
    for (let x = 0; x + w <= size; x++) {
      const ma = box(sa, x, y) / n;
      const mb = box(sb, x, y) / n;
      const va = (box(saa, x, y) / n - ma * ma) * cov;
      const vb = (box(sbb, x, y) / n - mb * mb) * cov;
      const vab = (box(sab, x, y) / n - ma * mb) * cov;
      map[y * side + x] = ((2 * ma * mb + C1) * (2 * vab + C2)) / ((ma * ma + mb * mb + C1) * (va + vb + C2));
    }
  }
  return { map, side };
}
