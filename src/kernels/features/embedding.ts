/**
 * Optional CNN embedding from an ONNX model: a user's file or the built-in MobileNetV2 (converted from
 * nsfwjs's tfjs weights, src/models/mobilenet-model.ts). One session per worker, created once (see
 * `init` in workers/hash.ts) with single-threaded ORT options; the input is built from the same small
 * decoded raster the hashes use, so a file is still decoded only once. Invariance by construction where
 * it is cheap: a grey input (greyscale copies) and the sum with the mirror image's embedding (flips),
 * the two run as one batch of 2.
 */
import type * as Ort from 'onnxruntime-node';
import { openOnnxSession } from '../onnx-session';
import { resizeArea, transformRaster, type Raster } from './pixels';
import { BUILTIN_MOBILENET, type EmbeddingSettings } from './types';
import { l2normalise } from '../../util/vector';
import { mobilenetOnnxPath } from '../../models/mobilenet-model';

export { l2normalise };

/** The ONNX file of `settings.model` (the built-in model is converted on first use). */
export function embeddingModelPath(settings: Pick<EmbeddingSettings, 'model'>): string {
  return settings.model === BUILTIN_MOBILENET ? mobilenetOnnxPath() : settings.model;
}

/** Builds the float input tensor data (RGB or grey, 0..1, mean/std normalised) in the configured layout. */
export function embeddingInput(src: Raster, settings: EmbeddingSettings): Float32Array {
  if (src.channels < 3) throw new Error('embedding input needs an RGB raster');
  const size = settings.inputSize;
  const r = resizeArea(src, size, size);
  const out = new Float32Array(3 * size * size);
  const plane = size * size;
  const rgb = [0, 0, 0];
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) rgb[c] = r.data[i * r.channels + c] / 255;
    if (settings.greyscale) rgb.fill(0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]);
    for (let c = 0; c < 3; c++) {
      const v = (rgb[c] - settings.mean[c]) / settings.std[c];
      if (settings.layout === 'NCHW') out[c * plane + i] = v;
      else out[i * 3 + c] = v;
    }
  }
  return out;
}

/** An ONNX model that maps an image raster to an L2-normalised embedding. */
export class Embedder {
  private constructor(
    private readonly ort: typeof Ort,
    private readonly session: Ort.InferenceSession,
    readonly settings: EmbeddingSettings,
    private readonly inputName: string,
    private readonly outputName: string,
  ) {}

  /** Loads the model; throws naming the model file or the missing tensor name. */
  static async create(settings: EmbeddingSettings): Promise<Embedder> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ort = require('onnxruntime-node') as typeof Ort;
    const model = embeddingModelPath(settings);
    const session = await openOnnxSession(model, 'embedding model');
    const inputName = settings.inputName ?? session.inputNames[0];
    const outputName = settings.outputName ?? session.outputNames[0];
    if (!session.inputNames.includes(inputName)) {
      throw new Error(`${model}: no input "${inputName}" (has ${session.inputNames.join(', ')})`);
    }
    if (!session.outputNames.includes(outputName)) {
      throw new Error(`${model}: no output "${outputName}" (has ${session.outputNames.join(', ')})`);
    }
    return new Embedder(ort, session, settings, inputName, outputName);
  }

  /**
   * Runs the model on one raster (with `flipSum`, on it and its mirror image as a batch of 2, outputs
   * summed); returns the flattened, L2-normalised result.
   */
  async embed(src: Raster): Promise<Float32Array> {
    const s = this.settings.inputSize;
    const views = this.settings.flipSum ? [src, transformRaster(src, 'flipH')] : [src];
    const per = 3 * s * s;
    const data = new Float32Array(views.length * per);
    views.forEach((v, k) => data.set(embeddingInput(v, this.settings), k * per));
    const dims = this.settings.layout === 'NCHW' ? [views.length, 3, s, s] : [views.length, s, s, 3];
    const result = await this.session.run({ [this.inputName]: new this.ort.Tensor('float32', data, dims) });
    const out = result[this.outputName].data as Float32Array;
    const dim = out.length / views.length;
    const sum = new Float32Array(dim);
    for (let k = 0; k < views.length; k++) for (let i = 0; i < dim; i++) sum[i] += out[k * dim + i];
    return l2normalise(sum);
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
