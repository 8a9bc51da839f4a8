/**
 * What the face models are configured with and what they return: plain types and the crop each model
 * wants. No onnxruntime here, so the main thread can plan crops (see face-analysis) without loading the
 * native runtime; the models themselves open in face-models.ts, inside the embed and classify workers.
 */
import { FACE_API_MODELS } from '../../models/face-api-models';
import type { CropSpec } from './face-crop';

/** Input handling shared by user-supplied ONNX face models (see the config schema for the defaults). */
export interface OnnxFaceInput {
  /** ONNX model file. */
  path: string;
  /** Input tensor name; default: the first input. */
  inputName?: string;
  /** Square input side in pixels. */
  inputSize: number;
  layout: 'NCHW' | 'NHWC';
  /** Channel order the model expects. */
  channels: 'rgb' | 'bgr';
  /** Subtracted from 0..255 pixel values, per channel in model order. */
  mean: readonly number[];
  /** Divides the centred values, per channel. */
  std: readonly number[];
  /** Crop aligned on the eyes: their distance / crop side; unset: box crop. */
  eyeDistance?: number;
  /** Box crop: border around the box, fraction of its side. */
  margin: number;
  /** Crop: eye line height / crop side. */
  eyeY?: number;
}

/** The built-in face-api network of a model role. */
export interface FaceApiModelConfig {
  type: 'face-api';
}

/** Face embedding model: face-api's 128-D recognition net or an ONNX file. */
export type EmbedderConfig = FaceApiModelConfig | (OnnxFaceInput & { type: 'onnx'; output?: string });

/** Where an ONNX classifier puts the age and the two gender values. */
export interface AgeGenderOutputs {
  age: { output?: string; index: number; scale: number };
  gender: { output?: string; index: number; kind: 'probabilities' | 'logits'; maleIndex: 0 | 1 };
}

/** Age/gender model: face-api's net or an ONNX file with the meaning of its outputs. */
export type ClassifierConfig = FaceApiModelConfig | (OnnxFaceInput & AgeGenderOutputs & { type: 'onnx' });

/** Age (years) and probability of male for one face. */
export interface AgeGender {
  age: number;
  male: number;
}

/** The crop a model wants (its input size and alignment hints). */
export function cropSpecFor(
  config: EmbedderConfig | ClassifierConfig,
  model: 'embed' | 'classify',
): CropSpec {
  if (config.type === 'face-api') {
    // Box crops, margins chosen on real faces (test/reid/real-faces.test.ts).
    return model === 'embed'
      ? { size: FACE_API_MODELS['face-recognition'].inputSize, margin: 0.2 }
      : { size: FACE_API_MODELS['age-gender'].inputSize, margin: 0 };
  }
  return {
    size: config.inputSize,
    eyeDistance: config.eyeDistance,
    eyeY: config.eyeY,
    margin: config.margin,
  };
}
