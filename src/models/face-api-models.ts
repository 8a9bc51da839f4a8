/**
 * The converted face-api ONNX models, built on first use and cached under <assets>/models/onnx. The file
 * name carries the converter version and a hash of the source manifest, so new weights or a changed
 * converter produce a new file instead of reusing a stale one. Writes are atomic (temp file + rename):
 * several workers converting at once is harmless.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { assetPath } from '../assets/paths';
import { assetsDir } from '../util/paths';
import {
  AGE_GENDER_INPUT,
  buildAgeGenderOnnx,
  buildFaceRecognitionOnnx,
  FACE_RECOGNITION_INPUT,
} from './face-api-convert';
import { loadTfjsWeights, type WeightMap } from './tfjs-weights';

/** Bump when the generated graphs change. */
export const CONVERTER_VERSION = 1;

/** The face-api networks we convert. */
export type FaceApiModel = 'face-recognition' | 'age-gender';

interface ModelSpec {
  manifest: string;
  inputSize: number;
  build: (weights: WeightMap, file: string) => Uint8Array;
}

/** Source manifests and graph builders of the converted networks. */
export const FACE_API_MODELS: Record<FaceApiModel, ModelSpec> = {
  'face-recognition': {
    manifest: 'face_recognition_model-weights_manifest.json',
    inputSize: FACE_RECOGNITION_INPUT,
    build: buildFaceRecognitionOnnx,
  },
  'age-gender': {
    manifest: 'age_gender_model-weights_manifest.json',
    inputSize: AGE_GENDER_INPUT,
    build: buildAgeGenderOnnx,
  },
};

/** Folder of the converted models: <assets>/models/onnx. */
export function onnxModelsDir(): string {
  return path.join(assetsDir(), 'models', 'onnx');
}

/** Converts one face-api network from `manifestFile` to ONNX bytes. */
export function convertFaceApiModel(model: FaceApiModel, manifestFile: string): Uint8Array {
  return FACE_API_MODELS[model].build(loadTfjsWeights(manifestFile), manifestFile);
}

/**
 * Path of the ONNX file for `model`, converting the face-api weights (asset `face-api`) on first use.
 * Throws `AssetMissingError` when the weights are not fetched.
 */
export function faceApiOnnxPath(model: FaceApiModel, options: { dir?: string } = {}): string {
  const spec = FACE_API_MODELS[model];
  const manifestFile = assetPath('face-api', spec.manifest);
  const hash = createHash('sha256').update(readFileSync(manifestFile)).digest('hex').slice(0, 12);
  const dir = options.dir ?? onnxModelsDir();
  const file = path.join(dir, `${model}.v${CONVERTER_VERSION}.${hash}.onnx`);
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(tmp, convertFaceApiModel(model, manifestFile));
  renameSync(tmp, file);
  return file;
}
