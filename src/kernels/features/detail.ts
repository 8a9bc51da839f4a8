/**
 * Stage 3c, the detail check: the picture at twice the resolution of the structure and foreground checks,
 * for the few pairs that passed every cheaper stage. At 32x32 an emblem of a few pixels, one more point on
 * a drawn star or another symbol on a flag of the same layout is a pixel or two; at 64x64 it is a block of
 * its own. Each record keeps two 64x64 grey views of the 128-pixel decode: the whole frame and the content
 * box (the picture trimmed of a plain border; the whole frame when there is none).
 *
 * A pair passes when the worst block (a quarter of the side, overlapping) of SSIM agrees in either view. Crops move and scale a picture
 * that fills its canvas by a pixel or more at this size, so the box view is also compared after trimming a
 * small margin from one side of the pair (the search is a handful of 64x64 SSIM maps, only for pairs that
 * reached this stage).
 */
import { resizeArea, toBytes, toGrey, type Raster } from './pixels';
import { ssimMap } from './ssim';
import type { DetailVerifySettings } from './types';

/** Side of the detail views. */
export const DETAIL_SIZE = 64;
/** Bytes of the detail section of a foreground record (whole frame, then content box). */
export const DETAIL_BYTES = 2 * DETAIL_SIZE * DETAIL_SIZE;
/** Margins (share of each side) trimmed from one picture of a pair when the box views are aligned. */
const CROP_MARGINS = [0.02, 0.04];
/** A block of the worst-block score is 1/BLOCKS of the side. */
const BLOCKS = 4;
const WINDOW = 7;

/** The two detail views of a pair's record. */
export interface Detail {
  full: Uint8Array;
  box: Uint8Array;
}

/** Writes the detail section of an RGB raster whose content box is `box` (x0, y0, x1, y1; x1, y1 exclusive). */
export function writeDetail(
  out: Uint8Array,
  offset: number,
  src: Raster,
  box: readonly [number, number, number, number],
): void {
  const grey = toGrey(src);
  out.set(toBytes(resizeArea(grey, DETAIL_SIZE, DETAIL_SIZE)), offset);
  const [x0, y0, x1, y1] = box;
  const w = x1 - x0;
  const data = new Float32Array(w * (y1 - y0));
  for (let y = y0; y < y1; y++)
    data.set(grey.data.subarray(y * grey.width + x0, y * grey.width + x1), (y - y0) * w);
  const boxRaster: Raster = { data, width: w, height: y1 - y0, channels: 1 };
  out.set(toBytes(resizeArea(boxRaster, DETAIL_SIZE, DETAIL_SIZE)), offset + DETAIL_SIZE * DETAIL_SIZE);
}

/** Views into the detail section at `offset` (no copy). */
export function detailAt(bytes: Uint8Array, offset: number): Detail {
  const s = DETAIL_SIZE * DETAIL_SIZE;
  return { full: bytes.subarray(offset, offset + s), box: bytes.subarray(offset + s, offset + 2 * s) };
}

/**
 * The centre of a square 8-bit view with `margin` (share of the side) trimmed from every side, resampled
 * bilinearly back to the view's size.
 */
export function trimMargin(view: Uint8Array, size: number, margin: number): Uint8Array {
  const out = new Uint8Array(size * size);
  const from = margin * size;
  const scale = (size - 2 * from) / size;
  const at = (x: number, y: number) => view[y * size + x];
  for (let y = 0; y < size; y++) {
    const sy = Math.min(size - 1, Math.max(0, from + (y + 0.5) * scale - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(size - 1, y0 + 1);
    const fy = sy - y0;
    for (let x = 0; x < size; x++) {
      const sx = Math.min(size - 1, Math.max(0, from + (x + 0.5) * scale - 0.5));
      const x0 = Math.floor(sx);
      const x1 = Math.min(size - 1, x0 + 1);
      const fx = sx - x0;
      const top = at(x0, y0) * (1 - fx) + at(x1, y0) * fx;
      const bottom = at(x0, y1) * (1 - fx) + at(x1, y1) * fx;
      out[y * size + x] = Math.round(top * (1 - fy) + bottom * fy);
    }
  }
  return out;
}

/**
 * SSIM of the worst block of windows: the mean SSIM over every square of a quarter of the map's side, at
 * strides of an eighth (overlapping, so a difference on a block edge is not split between four blocks).
 */
export function worstBlockSsim(a: Uint8Array, b: Uint8Array, size = DETAIL_SIZE): number {
  const { map, side } = ssimMap(a, b, size, WINDOW);
  const stride = side + 1;
  const sat = new Float64Array(stride * stride);
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++) {
      const i = (y + 1) * stride + x + 1;
      sat[i] = map[y * side + x] + sat[i - 1] + sat[i - stride] - sat[i - stride - 1];
    }
  const k = Math.floor(side / BLOCKS);
  const step = Math.max(1, Math.floor(k / 2));
  let worst = 1;
  for (let y = 0; y + k <= side; y += step)
    for (let x = 0; x + k <= side; x += step) {
      const sum =
        sat[(y + k) * stride + x + k] -
        sat[y * stride + x + k] -
        sat[(y + k) * stride + x] +
        sat[y * stride + x];
      worst = Math.min(worst, sum / (k * k));
    }
  return worst;
}

/** Scores of the detail check: worst-block SSIM of the whole frames and of the (aligned) content boxes. */
export interface DetailScores {
  full: number;
  box: number;
}

/**
 * The box views' alignments, cheapest first, in groups that are symmetric in the pair: as stored, then
 * for each margin one side trimmed and the other side trimmed. A verdict stops only between groups, so
 * its score does not depend on which image of the pair is `a` (stored decisions are keyed without order).
 */
function boxAlignments(a: Detail, b: Detail): (() => number)[][] {
  return [
    [() => worstBlockSsim(a.box, b.box)],
    ...CROP_MARGINS.map((m) => [
      () => worstBlockSsim(trimMargin(a.box, DETAIL_SIZE, m), b.box),
      () => worstBlockSsim(a.box, trimMargin(b.box, DETAIL_SIZE, m)),
    ]),
  ];
}

/** Both views' scores (the box at its best alignment), for tuning and reports. */
export function compareDetail(a: Detail, b: Detail): DetailScores {
  return {
    full: worstBlockSsim(a.full, b.full),
    box: Math.max(...boxAlignments(a, b).flatMap((group) => group.map((t) => t()))),
  };
}

/**
 * Stage 3c verdict: either view agrees at `minBlock`. Stops after the first group of alignments that
 * agrees (most pairs that reach this stage are copies), so `score` is the best so far, else the best of all.
 */
export function detailCheck(
  a: Detail,
  b: Detail,
  settings: DetailVerifySettings,
): { pass: boolean; score: number } {
  let score = -1;
  for (const group of [[() => worstBlockSsim(a.full, b.full)], ...boxAlignments(a, b)]) {
    for (const t of group) score = Math.max(score, t());
    if (score >= settings.minBlock) return { pass: true, score };
  }
  return { pass: false, score };
}
