/**
 * Worker entry of the shared `embed` pool: face embeddings (face-api recognition net converted to ONNX, or
 * a configured ONNX model) for every camera channel. Models open lazily, once per distinct config, and stay
 * open for the worker's life. Crops arrive as transferred ArrayBuffers (RGB, the model's input size); the
 * embeddings go back as one transferred Float32 buffer.
 */
import { openEmbedder, type FaceEmbedder } from '../src/kernels/faces/face-models';
import type { EmbedderConfig } from '../src/kernels/faces/model-config';
import { exposeWorker, transferResult } from '../src/pools/expose';

const open = new Map<string, Promise<FaceEmbedder>>();

function embedderFor(config: EmbedderConfig): Promise<FaceEmbedder> {
  const key = JSON.stringify(config);
  let model = open.get(key);
  if (!model) {
    model = openEmbedder(config);
    // A failed open is not cached: a later call retries (e.g. after `pipeline assets fetch`).
    model.catch(() => open.delete(key));
    open.set(key, model);
  }
  return model;
}

/** Result of {@link EmbedApi.embed}: `count` L2-normalised vectors of `dim` floats, back to back. */
export interface EmbedResult {
  dim: number;
  count: number;
  data: ArrayBuffer;
}

const api = {
  /** Opens these models up front so the first calls do not pay for loading (or converting) them. */
  async init(preload: EmbedderConfig[] = []): Promise<void> {
    for (const config of preload) await embedderFor(config);
  },

  /** Embeds RGB crops (one per face) with the configured model, in one batched inference when possible. */
  async embed(config: EmbedderConfig, crops: Array<ArrayBuffer | Uint8Array>): Promise<EmbedResult> {
    const model = await embedderFor(config);
    const vectors = await model.embed(crops.map((c) => (c instanceof Uint8Array ? c : new Uint8Array(c))));
    const dim = vectors[0]?.length ?? 0;
    const data = new Float32Array(vectors.length * dim);
    vectors.forEach((v, i) => data.set(v, i * dim));
    return transferResult({ dim, count: vectors.length, data: data.buffer }, [data.buffer]);
  },
};

/** The embed worker's API, for `getPool<EmbedApi>('embed', ...)`. */
export type EmbedApi = typeof api;

exposeWorker(api);
