import type { Detection, DetectorFrame, InputLayout } from '../frame';

/** [x, y, width, height] in source-frame pixels. */
export type Roi = [x: number, y: number, width: number, height: number];

/** Detection on overlapping tiles (src/kernels/detectors/tiles.ts). */
export interface TileOptions {
  /** Tile side in source pixels (default 512). */
  size?: number;
  /** Fraction of a tile shared with its neighbour (default 0.25): faces up to size * overlap are whole in some tile. */
  overlap?: number;
  /** Also run once on the whole frame (default true), for faces larger than the overlap. */
  wholeFrame?: boolean;
}

/** Options every detector understands; each detector documents its own defaults. */
export interface DetectorOptions {
  /** Drop detections scoring below this (0..1). */
  scoreThreshold?: number;
  /** IoU above which overlapping detections are merged/suppressed. */
  nmsIouThreshold?: number;
  /** Drop faces whose box is narrower or lower than this, in source-frame pixels. */
  minFaceSize?: number;
  /** Detect only inside this region; boxes come back in whole-frame coordinates. */
  roi?: Roi;
  /** Keep at most this many faces (highest scores first). */
  maxFaces?: number;
  /** Also detect on overlapping tiles of the full frame (high-resolution streams; see detectors/tiles.ts). */
  tiles?: TileOptions;
}

/** Resolved shared options (defaults applied). */
export interface ResolvedDetectorOptions {
  scoreThreshold: number;
  nmsIouThreshold: number;
  minFaceSize: number;
  roi?: Roi;
  maxFaces: number;
}

/**
 * A face detector. `detect` is asynchronous for every detector (onnxruntime-node only runs sessions
 * asynchronously; the Haar detector does its work synchronously and resolves at once). Boxes are in
 * source-frame pixels, sorted by descending score. Usable in-process (bench, tests) or inside the detect
 * worker (workers/detect.ts).
 */
export interface FaceDetector {
  /** Detector family and variant, e.g. "blazeface-front". */
  readonly name: string;
  /** The size the frame (or ROI) is letterboxed to before inference (Haar: the largest processing size). */
  readonly inputSize: { width: number; height: number };
  /**
   * The input this detector letterboxes frames into, when a decoder may do that for it (frames then carry
   * `resized` and need no full picture). Undefined for detectors that need the full frame (Haar).
   */
  readonly inputLayout?: InputLayout;
  /** Detects faces in a full frame, or in the decoder-resized input of `inputLayout` (`frame.resized`). */
  detect(frame: DetectorFrame): Promise<Detection[]>;
  /** Releases the model session. */
  dispose(): Promise<void>;
}
