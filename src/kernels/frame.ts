/** A box in source-frame pixels: [x1, y1, x2, y2] (x2/y2 exclusive edge, may be fractional). */
export type Box = [x1: number, y1: number, x2: number, y2: number];

/** One decoded video frame of a camera channel. */
export interface Frame {
  /** Channel id from the config. */
  channel: string;
  /** Frame number within the channel, from 0, increasing by one per frame read. */
  seq: number;
  /** Wall-clock time of the read (Date.now(), ms). */
  capturedAt: number;
  width: number;
  height: number;
  /**
   * BGR24 packed pixels, row-major, width * height * 3 bytes, no row padding. With decoder-resized input
   * (channel `fullFrames`), present only every `fullFrameEvery` frames, or never when nothing needs it.
   */
  data?: Uint8Array;
  /** The frame already letterboxed to the detector's input by the decoder (see {@link ResizedImage}). */
  resized?: ResizedImage;
}

/**
 * Where a detector wants its input: the model's input size, where the resized picture sits in it and the
 * region of the frame it covers. A decoder that knows it can hand over the detector's input directly.
 */
export interface InputLayout {
  width: number;
  height: number;
  /** Placement of the resized picture inside the padded input. */
  align: 'center' | 'top-left';
  /** [x, y, width, height] of the frame to use (default: all of it). */
  roi?: [x: number, y: number, width: number, height: number];
}

/** A frame letterboxed to an {@link InputLayout} (black padding) by the decoder: BGR24, width * height * 3. */
export interface ResizedImage extends InputLayout {
  data: Uint8Array;
}

/** What a detector accepts: the full frame, or only its size plus the decoder-resized input. */
export type DetectorFrame =
  FrameImage | { width: number; height: number; data?: undefined; resized: ResizedImage };

/** The pixels a detector needs; a {@link Frame} with `data` satisfies it. */
export interface FrameImage {
  width: number;
  height: number;
  /** BGR24 packed, width * height * 3 bytes. */
  data: Uint8Array;
  /** The same frame letterboxed by the decoder, when it made one (detectors then use it). */
  resized?: ResizedImage;
}

/** One detected face in source-frame pixels. */
export interface Detection {
  box: Box;
  /** Confidence in [0, 1] (detector-specific meaning, see each detector). */
  score: number;
  /** Facial keypoints in source pixels when the detector gives them (BlazeFace: eyes, nose, mouth, ears). */
  landmarks?: Array<[number, number]>;
}

/** Checks that a frame's buffer matches its declared size; the message names the field. */
export function assertFrameImage(image: FrameImage, what = 'frame'): void {
  if (
    !Number.isInteger(image.width) ||
    !Number.isInteger(image.height) ||
    image.width <= 0 ||
    image.height <= 0
  ) {
    throw new Error(`${what}: width/height must be positive integers, got ${image.width}x${image.height}`);
  }
  const expected = image.width * image.height * 3;
  if (image.data.byteLength !== expected) {
    throw new Error(
      `${what}: data has ${image.data.byteLength} bytes, expected ${expected} (BGR24 ${image.width}x${image.height})`,
    );
  }
}

/** Area of a box (0 for degenerate boxes). */
export function boxArea(b: Box): number {
  return Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]);
}

/** Area of the intersection of two boxes (0 when they do not overlap). */
export function intersectionArea(a: Box, b: Box): number {
  const ix = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const iy = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  return ix > 0 && iy > 0 ? ix * iy : 0;
}

/** Intersection over union of two boxes, 0 when either is empty. */
export function iou(a: Box, b: Box): number {
  const inter = intersectionArea(a, b);
  if (inter === 0) return 0;
  const union = boxArea(a) + boxArea(b) - inter;
  return union > 0 ? inter / union : 0;
}

/** Intersection over the smaller box's area: 1 when one box lies inside the other, 0 when either is empty. */
export function overlapOfSmaller(a: Box, b: Box): number {
  const inter = intersectionArea(a, b);
  const smaller = Math.min(boxArea(a), boxArea(b));
  return inter > 0 && smaller > 0 ? inter / smaller : 0;
}
