/**
 * What opens a detector: the options of each detector family and the tagged union the detect worker takes
 * (`{ type: 'blazeface', ... }`). Plain types: the config layer checks its parsed detector settings against
 * {@link DetectorSpec} at compile time, and the main thread computes keys from them without loading models.
 */
import type { DetectorOptions } from './types';

export type { TileOptions } from './types';

/** BlazeFace model variants: "front" (128 px, near faces, selfie range) and "back" (256 px, smaller faces). */
export type BlazeFaceVariant = 'front' | 'back';

/** The variant a BlazeFace detector uses unless told: the 256-px model finds the small faces of fixed cameras. */
export const DEFAULT_BLAZEFACE_VARIANT: BlazeFaceVariant = 'back';

/** Options of `createBlazeFaceDetector` (detectors/open.ts). */
export interface BlazeFaceOptions extends DetectorOptions {
  /** Default "back" (256 px, small faces); "front" (128 px) for faces that fill much of the frame. */
  variant?: BlazeFaceVariant;
  /** Model file; default: the variant's file from the `blazeface` asset. */
  modelPath?: string;
}

/** Options of `createHaarDetector` (detectors/open.ts). */
export interface HaarOptions extends DetectorOptions {
  /** Cascade XML; default: haarcascades/haarcascade_frontalface_default.xml from the `cascades` asset. */
  cascadePath?: string;
  /** Image pyramid step of detectMultiScale (default 1.1). */
  scaleFactor?: number;
  /** Neighbouring hits a face needs (default 3, as OpenCV). */
  minNeighbors?: number;
  /** Shrink the frame (or ROI) so its longer side is at most this before detection (default: no shrink). */
  maxInputSide?: number;
  /** Equalise the grey histogram first (default false). */
  equalizeHist?: boolean;
}

/** Options of `createYuNetDetector` (detectors/open.ts). */
export interface YuNetOptions extends DetectorOptions {
  /** The user's YuNet ONNX file (OpenCV zoo face_detection_yunet_2023mar layout). */
  modelPath: string;
  /** Input size for models with a dynamic input (multiple of 32; default 640 x 640). */
  inputSize?: { width: number; height: number };
}

/** Options of `createScrfdDetector` (detectors/open.ts). */
export interface ScrfdOptions extends DetectorOptions {
  /** The user's SCRFD ONNX file (InsightFace det_*.onnx). */
  modelPath: string;
  /** Input size for models with a dynamic input (multiple of 32; default 640 x 640). */
  inputSize?: { width: number; height: number };
}

/** A detector of any family, tagged by `type`: what `createDetector` (detectors/open.ts) opens. */
export type DetectorSpec =
  | ({ type: 'blazeface' } & BlazeFaceOptions)
  | ({ type: 'haar' } & HaarOptions)
  | ({ type: 'yunet' } & YuNetOptions)
  | ({ type: 'scrfd' } & ScrfdOptions);

/** The detector families. */
export type DetectorType = DetectorSpec['type'];
