/**
 * Optional CNN embedding from a configured ONNX model. One session per worker, created once (see
 * `init` in workers/hash.ts) with single-threaded ORT options; the input is built from the same small
 * decoded raster the hashes use, so a file is still decoded only once.
 */
import type * as Ort from 'onnxruntime-node';
import { openOnnxSession } from '../onnx-session';
import { resizeArea, type Raster } from './pixels';
import type { EmbeddingSettings } from './types';
import { l2normalise } from '../../util/vector';

export { l2normalise };

/** Builds the float input tensor data (RGB, 0..1, mean/std normalised) in the configured layout. */
export function embeddingInput(src: Raster, settings: EmbeddingSettings): Float32Array {
  if (src.channels < 3) throw new Error('embedding input needs an RGB raster');
  const size = settings.inputSize;
  const r = resizeArea(src, size, size);
  const out = new Float32Array(3 * size * size);
  const plane = size * size;
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) {
      const v = (r.data[i * r.channels + c] / 255 - settings.mean[c]) / settings.std[c];
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
    const session = await openOnnxSession(settings.model, 'embedding model');
    const inputName = settings.inputName ?? session.inputNames[0];
    const outputName = settings.outputName ?? session.outputNames[0];
    if (!session.inputNames.includes(inputName)) {
      throw new Error(`${settings.model}: no input "${inputName}" (has ${session.inputNames.join(', ')})`);
    }
    if (!session.outputNames.includes(outputName)) {
      throw new Error(`${settings.model}: no output "${outputName}" (has ${session.outputNames.join(', ')})`);
    }
    return new Embedder(ort, session, settings, inputName, outputName);
  }

  /** Runs the model on one raster; returns the flattened, L2-normalised output. */
  async embed(src: Raster): Promise<Float32Array> {
    const s = this.settings.inputSize;
    const dims = this.settings.layout === 'NCHW' ? [1, 3, s, s] : [1, s, s, 3];
    const input = new this.ort.Tensor('float32', embeddingInput(src, this.settings), dims);
    const result = await this.session.run({ [this.inputName]: input });
    const out = result[this.outputName];
    return l2normalise(Float32Array.from(out.data as Float32Array));
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
