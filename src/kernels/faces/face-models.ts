/**
 * Runs the face models (embedding, age/gender) with onnxruntime-node on RGB crops cut at the model's input
 * size. Used inside the long-lived `embed` and `classify` workers; usable in-process by tests and benches.
 * Models with a dynamic batch dimension get one inference per call; fixed-batch models run face by face.
 */
import type * as Ort from 'onnxruntime-node';
import { openOnnxSession } from '../onnx-session';
import { faceApiOnnxPath, FACE_API_MODELS } from '../../models/face-api-models';
import { l2normalise } from '../../util/vector';
import type { AgeGender, ClassifierConfig, EmbedderConfig } from './model-config';

export { l2normalise };
export { cropSpecFor, type AgeGender, type ClassifierConfig, type EmbedderConfig } from './model-config';

/** Input handling of one model. */
interface InputSpec {
  path: string;
  inputName?: string;
  size: number;
  layout: 'NCHW' | 'NHWC';
  channels: 'rgb' | 'bgr';
  mean: readonly number[];
  std: readonly number[];
}

function inputSpec(config: EmbedderConfig | ClassifierConfig, model: 'embed' | 'classify'): InputSpec {
  if (config.type === 'face-api') {
    const name = model === 'embed' ? 'face-recognition' : 'age-gender';
    // The converted graphs normalise internally: they take NHWC RGB in 0..255.
    return {
      path: faceApiOnnxPath(name),
      size: FACE_API_MODELS[name].inputSize,
      layout: 'NHWC',
      channels: 'rgb',
      mean: [0, 0, 0],
      std: [1, 1, 1],
    };
  }
  return {
    path: config.path,
    inputName: config.inputName,
    size: config.inputSize,
    layout: config.layout,
    channels: config.channels,
    mean: config.mean,
    std: config.std,
  };
}

/** Packs RGB crops (size x size x 3 each) into one normalised float tensor buffer. */
export function packCrops(crops: readonly Uint8Array[], spec: Omit<InputSpec, 'path'>): Float32Array {
  const plane = spec.size * spec.size;
  const out = new Float32Array(crops.length * plane * 3);
  crops.forEach((crop, n) => {
    if (crop.length !== plane * 3) {
      throw new Error(
        `face crop ${n} has ${crop.length} bytes, expected ${plane * 3} (${spec.size}x${spec.size} RGB)`,
      );
    }
    const base = n * plane * 3;
    for (let c = 0; c < 3; c++) {
      const src = spec.channels === 'rgb' ? c : 2 - c;
      const mean = spec.mean[c];
      const std = spec.std[c];
      for (let i = 0; i < plane; i++) {
        const v = (crop[i * 3 + src] - mean) / std;
        if (spec.layout === 'NCHW') out[base + c * plane + i] = v;
        else out[base + i * 3 + c] = v;
      }
    }
  });
  return out;
}

/** An open ONNX face model: packs crops, batches when it can, returns the named outputs per face. */
class FaceModelSession {
  private constructor(
    private readonly ort: typeof Ort,
    private readonly session: Ort.InferenceSession,
    readonly spec: InputSpec,
    private readonly inputName: string,
    readonly dynamicBatch: boolean,
  ) {}

  static async open(spec: InputSpec): Promise<FaceModelSession> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ort = require('onnxruntime-node') as typeof Ort;
    const session = await openOnnxSession(spec.path, 'face model');
    const inputName = spec.inputName ?? session.inputNames[0];
    const meta = session.inputMetadata.find((m) => m.name === inputName);
    if (!meta)
      throw new Error(`${spec.path}: no input "${inputName}" (has ${session.inputNames.join(', ')})`);
    const first = meta.isTensor ? meta.shape[0] : 1;
    return new FaceModelSession(ort, session, spec, inputName, typeof first !== 'number' || first < 0);
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  /** Runs the crops; returns each output's values per face (rows of equal length). */
  async run(crops: readonly Uint8Array[], outputs: string[]): Promise<Record<string, Float32Array[]>> {
    const result: Record<string, Float32Array[]> = Object.fromEntries(outputs.map((o) => [o, []]));
    const s = this.spec.size;
    const groups = this.dynamicBatch ? [crops] : crops.map((c) => [c]);
    for (const group of groups) {
      if (group.length === 0) continue;
      const dims = this.spec.layout === 'NCHW' ? [group.length, 3, s, s] : [group.length, s, s, 3];
      const tensor = new this.ort.Tensor('float32', packCrops(group, this.spec), dims);
      const out = await this.session.run({ [this.inputName]: tensor });
      for (const name of outputs) {
        const t = out[name];
        if (!t)
          throw new Error(`${this.spec.path}: no output "${name}" (has ${this.outputNames.join(', ')})`);
        const data = t.data as Float32Array;
        const row = data.length / group.length;
        for (let i = 0; i < group.length; i++) result[name].push(data.slice(i * row, (i + 1) * row));
      }
    }
    return result;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

/** A face embedding model. */
export interface FaceEmbedder {
  readonly inputSize: number;
  readonly dynamicBatch: boolean;
  /** L2-normalised embeddings, one per crop. */
  embed(crops: readonly Uint8Array[]): Promise<Float32Array[]>;
  dispose(): Promise<void>;
}

/** Opens the configured embedding model. */
export async function openEmbedder(config: EmbedderConfig): Promise<FaceEmbedder> {
  const session = await FaceModelSession.open(inputSpec(config, 'embed'));
  const output = (config.type === 'onnx' ? config.output : 'embedding') ?? session.outputNames[0];
  return {
    inputSize: session.spec.size,
    dynamicBatch: session.dynamicBatch,
    async embed(crops) {
      const out = await session.run(crops, [output]);
      return out[output].map(l2normalise);
    },
    dispose: () => session.release(),
  };
}

/** An age/gender model. */
export interface FaceClassifier {
  readonly inputSize: number;
  readonly dynamicBatch: boolean;
  classify(crops: readonly Uint8Array[]): Promise<AgeGender[]>;
  dispose(): Promise<void>;
}

/** Opens the configured age/gender model. */
export async function openClassifier(config: ClassifierConfig): Promise<FaceClassifier> {
  const session = await FaceModelSession.open(inputSpec(config, 'classify'));
  const first = session.outputNames[0];
  const meaning =
    config.type === 'face-api'
      ? {
          age: { output: 'age', index: 0, scale: 1 },
          gender: { output: 'gender', index: 0, kind: 'probabilities' as const, maleIndex: 0 as 0 | 1 },
        }
      : {
          age: { ...config.age, output: config.age.output ?? first },
          gender: { ...config.gender, output: config.gender.output ?? first },
        };
  const outputs = [...new Set([meaning.age.output, meaning.gender.output])];
  return {
    inputSize: session.spec.size,
    dynamicBatch: session.dynamicBatch,
    async classify(crops) {
      const out = await session.run(crops, outputs);
      return crops.map((_, i) => {
        const a = out[meaning.age.output][i];
        const g = out[meaning.gender.output][i];
        let p0 = g[meaning.gender.index];
        let p1 = g[meaning.gender.index + 1];
        if (meaning.gender.kind === 'logits') {
          const m = Math.max(p0, p1);
          const e0 = Math.exp(p0 - m);
          const e1 = Math.exp(p1 - m);
          p0 = e0 / (e0 + e1);
          p1 = e1 / (e0 + e1);
        }
        return {
          age: a[meaning.age.index] * meaning.age.scale,
          male: meaning.gender.maleIndex === 0 ? p0 : p1,
        };
      });
    },
    dispose: () => session.release(),
  };
}
