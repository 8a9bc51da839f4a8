import { z } from 'zod';
import { DEFAULT_BLAZEFACE_VARIANT, type DetectorSpec } from '../../kernels/detectors/spec';
import type { Conform } from './conform';

const sharedOptions = {
  scoreThreshold: z.number().min(0).max(1).optional().describe('Drop detections scoring below this'),
  nmsIouThreshold: z
    .number()
    .min(0)
    .max(1)
    .optional()
    .describe('IoU above which overlapping detections merge'),
  minFaceSize: z.number().min(0).optional().describe('Smallest face side kept, in source-frame pixels'),
  roi: z
    .tuple([z.number().min(0), z.number().min(0), z.number().positive(), z.number().positive()])
    .optional()
    .describe('Region of interest [x, y, width, height] in source pixels; detect only inside it'),
  maxFaces: z.number().int().positive().optional().describe('Keep at most this many faces per frame'),
  tiles: z
    .strictObject({
      size: z.number().int().min(32).optional().describe('Tile side in source pixels (default 512)'),
      overlap: z
        .number()
        .min(0)
        .lt(1)
        .optional()
        .describe('Fraction shared by neighbouring tiles (default 0.25)'),
      wholeFrame: z.boolean().optional().describe('Also detect once on the whole frame (default true)'),
    })
    .optional()
    .describe(
      'Detect on overlapping tiles of the full frame too, merged by NMS: finds small faces in 1080p/4K streams (costs one inference per tile; needs full frames)',
    ),
};

const inputSize = z
  .strictObject({
    width: z.number().int().positive().multipleOf(32),
    height: z.number().int().positive().multipleOf(32),
  })
  .optional()
  .describe('Input size for models with a dynamic input');

/** Detector settings of a camera channel; `type` picks the family. */
export const detectorConfigSchema = z
  .discriminatedUnion('type', [
    z
      .strictObject({
        type: z.literal('blazeface'),
        variant: z
          .enum(['front', 'back'])
          .default(DEFAULT_BLAZEFACE_VARIANT)
          .describe(
            'back (default): 256 px, small faces as fixed cameras see them (default scoreThreshold 0.3); front: 128 px, faces filling much of the frame (default scoreThreshold 0.5)',
          ),
        modelPath: z.string().min(1).optional().describe('Model file; default from the blazeface asset'),
        ...sharedOptions,
      })
      .describe('MediaPipe BlazeFace (ONNX, bundled asset)'),
    z
      .strictObject({
        type: z.literal('haar'),
        cascadePath: z
          .string()
          .min(1)
          .optional()
          .describe('Cascade XML; default haarcascade_frontalface_default'),
        scaleFactor: z.number().gt(1).optional(),
        minNeighbors: z.number().int().min(0).optional(),
        maxInputSide: z
          .number()
          .int()
          .positive()
          .optional()
          .describe('Shrink so the longer side is at most this'),
        equalizeHist: z.boolean().optional(),
        ...sharedOptions,
      })
      .describe('OpenCV Haar cascade'),
    z
      .strictObject({
        type: z.literal('yunet'),
        modelPath: z.string().min(1).describe('YuNet ONNX file (OpenCV zoo 2023mar layout)'),
        inputSize,
        ...sharedOptions,
      })
      .describe('User-supplied YuNet model'),
    z
      .strictObject({
        type: z.literal('scrfd'),
        modelPath: z.string().min(1).describe('SCRFD ONNX file (InsightFace det_*)'),
        inputSize,
        ...sharedOptions,
      })
      .describe('User-supplied SCRFD model'),
  ])
  .describe('Face detector');

/** Detector settings (input form: defaults not yet applied); the compiler checks a worker can open them. */
export type DetectorConfigInput = Conform<z.input<typeof detectorConfigSchema>, DetectorSpec>;
/** Detector settings after parsing; the compiler checks a worker can open them. */
export type DetectorConfig = Conform<z.infer<typeof detectorConfigSchema>, DetectorSpec>;
