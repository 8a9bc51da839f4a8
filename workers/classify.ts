/**
 * Worker entry of the shared `classify` pool: age and gender per face (face-api age/gender net converted to
 * ONNX, or a configured ONNX classifier). Models open lazily, once per distinct config, and stay open.
 */
import { openClassifier, type FaceClassifier } from '../src/kernels/faces/face-models';
import type { AgeGender, ClassifierConfig } from '../src/kernels/faces/model-config';
import { exposeWorker } from '../src/pools/expose';

const open = new Map<string, Promise<FaceClassifier>>();

function classifierFor(config: ClassifierConfig): Promise<FaceClassifier> {
  const key = JSON.stringify(config);
  let model = open.get(key);
  if (!model) {
    model = openClassifier(config);
    model.catch(() => open.delete(key));
    open.set(key, model);
  }
  return model;
}

const api = {
  /** Opens these models up front. */
  async init(preload: ClassifierConfig[] = []): Promise<void> {
    for (const config of preload) await classifierFor(config);
  },

  /** Age (years) and probability of male for each RGB crop, in one batched inference when possible. */
  async classify(config: ClassifierConfig, crops: Array<ArrayBuffer | Uint8Array>): Promise<AgeGender[]> {
    const model = await classifierFor(config);
    return model.classify(crops.map((c) => (c instanceof Uint8Array ? c : new Uint8Array(c))));
  },
};

/** The classify worker's API, for `getPool<ClassifyApi>('classify', ...)`. */
export type ClassifyApi = typeof api;

exposeWorker(api);
