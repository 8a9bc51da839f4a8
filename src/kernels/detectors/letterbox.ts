/**
 * Letterbox geometry: which region of a frame a detector sees, how it is scaled and padded into the model
 * input, and how model-input pixels map back to the frame. Pure arithmetic; the decoder (FFmpeg filters)
 * and the in-process resampler both follow {@link planLetterbox}.
 */
import type { InputLayout } from '../frame';
import type { Roi } from './types';

/** Maps model-input pixel coordinates back to source-frame pixels: src = (p - pad) / scale + offset. */
export interface InputTransform {
  scale: number;
  padX: number;
  padY: number;
  /** Top-left corner of the detected region (the ROI) in the frame. */
  offsetX: number;
  offsetY: number;
}

/** Where the resized image sits inside the padded input. */
export type LetterboxAlign = 'center' | 'top-left';

/** Maps a point from model-input pixels to source-frame pixels. */
export function toSource(t: InputTransform, x: number, y: number): [number, number] {
  return [(x - t.padX) / t.scale + t.offsetX, (y - t.padY) / t.scale + t.offsetY];
}

/**
 * Clips a region of interest to the frame; undefined roi means the whole frame. Returns undefined when the
 * clipped region is empty. Integer pixel bounds (floor/ceil outward).
 */
export function clipRoi(width: number, height: number, roi?: Roi): Roi | undefined {
  if (!roi) return [0, 0, width, height];
  const x1 = Math.max(0, Math.floor(roi[0]));
  const y1 = Math.max(0, Math.floor(roi[1]));
  const x2 = Math.min(width, Math.ceil(roi[0] + roi[2]));
  const y2 = Math.min(height, Math.ceil(roi[1] + roi[3]));
  if (x2 <= x1 || y2 <= y1) return undefined;
  return [x1, y1, x2 - x1, y2 - y1];
}

/** Scale and padding that fit a w x h region into inW x inH keeping the aspect ratio. */
export function letterboxGeometry(
  w: number,
  h: number,
  inW: number,
  inH: number,
  align: LetterboxAlign,
): { scale: number; resizedW: number; resizedH: number; padX: number; padY: number } {
  const scale = Math.min(inW / w, inH / h);
  const resizedW = Math.min(inW, Math.max(1, Math.round(w * scale)));
  const resizedH = Math.min(inH, Math.max(1, Math.round(h * scale)));
  const padX = align === 'center' ? Math.floor((inW - resizedW) / 2) : 0;
  const padY = align === 'center' ? Math.floor((inH - resizedH) / 2) : 0;
  return { scale, resizedW, resizedH, padX, padY };
}

/** The letterbox an {@link InputLayout} implies for a frame size: the region used and the way back. */
export interface LetterboxPlan {
  /** The clipped region of the frame, [x, y, w, h] (integer bounds). */
  region: Roi;
  resizedW: number;
  resizedH: number;
  padX: number;
  padY: number;
  transform: InputTransform;
}

/**
 * Plans the letterbox of a `width` x `height` frame into `layout`; undefined when the ROI misses the
 * frame. The detectors and the decoder (FFmpeg's crop/scale/pad filters) both follow this plan, so boxes
 * map back the same way whichever side resized.
 */
export function planLetterbox(width: number, height: number, layout: InputLayout): LetterboxPlan | undefined {
  const region = clipRoi(width, height, layout.roi);
  if (!region) return undefined;
  const g = letterboxGeometry(region[2], region[3], layout.width, layout.height, layout.align);
  return {
    region,
    resizedW: g.resizedW,
    resizedH: g.resizedH,
    padX: g.padX,
    padY: g.padY,
    transform: { scale: g.scale, padX: g.padX, padY: g.padY, offsetX: region[0], offsetY: region[1] },
  };
}

/** Whether two input layouts are the same letterbox (size, alignment and ROI). */
export function sameLayout(a: InputLayout, b: InputLayout): boolean {
  const roiA = a.roi ?? [];
  const roiB = b.roi ?? [];
  return (
    a.width === b.width &&
    a.height === b.height &&
    a.align === b.align &&
    roiA.length === roiB.length &&
    roiA.every((v, i) => v === roiB[i])
  );
}

/** The {@link InputLayout} of the letterbox functions' arguments (default alignment: centre). */
export function layoutOf(
  inW: number,
  inH: number,
  options: { roi?: Roi; align?: LetterboxAlign },
): InputLayout {
  return { width: inW, height: inH, align: options.align ?? 'center', roi: options.roi };
}
