/**
 * The pure side of the detectors, safe on the main thread (no onnxruntime, no OpenCV): detector specs and
 * keys, letterbox geometry, option resolution, NMS and anchors. The detectors themselves open in
 * ./open.ts, inside the detect worker.
 */
export type { FaceDetector, DetectorOptions, ResolvedDetectorOptions, Roi } from './types';
export type {
  BlazeFaceOptions,
  BlazeFaceVariant,
  DetectorSpec,
  DetectorType,
  HaarOptions,
  ScrfdOptions,
  TileOptions,
  YuNetOptions,
} from './spec';
export { detectorKey } from './key';
export {
  clipRoi,
  letterboxGeometry,
  planLetterbox,
  toSource,
  type InputTransform,
  type LetterboxAlign,
  type LetterboxPlan,
} from './letterbox';
export { tileGrid, TILE_DEFAULTS } from './tiles';
export { resolveOptions } from './postprocess';
export { nms, hardNms, weightedNms, type NmsMode } from './nms';
export { generateSsdAnchors, type Anchor, type SsdAnchorOptions } from './anchors';
