import { existsSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { ortSessionOptions } from './ort-options';

export type OrtSession = ort.InferenceSession;
export type OrtTensor = ort.Tensor;

/**
 * Opens an ONNX model with the pool-worker session options (one intra-op and one inter-op thread,
 * sequential, warnings hidden: many sessions in several workers on few cores must not oversubscribe the
 * CPU, and these models log harmless "unused initializer" warnings). Errors name the model file and
 * `what` it is for.
 */
export async function openOnnxSession(modelPath: string, what = 'ONNX model'): Promise<OrtSession> {
  if (!existsSync(modelPath)) throw new Error(`${what} not found: ${modelPath}`);
  try {
    return await ort.InferenceSession.create(modelPath, ortSessionOptions());
  } catch (err) {
    throw new Error(`cannot load ${what} ${modelPath}: ${(err as Error).message}`);
  }
}

/** A float32 tensor for the session input. */
export function floatTensor(data: Float32Array, dims: number[]): OrtTensor {
  return new ort.Tensor('float32', data, dims);
}

/** Shape of a session input as declared in the model; symbolic dimensions come back as undefined. */
export function inputShape(session: OrtSession, name: string): Array<number | undefined> {
  const meta = session.inputMetadata.find((m) => m.name === name);
  if (!meta || !meta.isTensor) throw new Error(`model has no tensor input "${name}"`);
  return meta.shape.map((d) => (typeof d === 'number' && d > 0 ? d : undefined));
}

/** The output tensor's data as float32, failing with the output name when it is missing or not float. */
export function outputData(outputs: ort.InferenceSession.OnnxValueMapType, name: string): Float32Array {
  const t = outputs[name] as OrtTensor | undefined;
  if (!t) throw new Error(`model output "${name}" missing`);
  if (!(t.data instanceof Float32Array))
    throw new Error(`model output "${name}" is ${t.type}, expected float32`);
  return t.data;
}
