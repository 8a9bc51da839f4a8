/**
 * The `hash` worker: feature extraction and content hashing for the dedup pipeline, and image decoding
 * for the camera's image-folder sources (off the main thread, within a pixel limit). One onnxruntime
 * session per worker (when an embedding model is configured), created in `init` and reused.
 */
import sharp from 'sharp';
import { declareUnsafeToTerminate, exposeWorker, movableBuffers, transferResult } from '../src/pools/expose';
import { Embedder } from '../src/kernels/features/embedding';
import { hashFileContent, hashFiles, type FileHashResult } from '../src/kernels/features/file-hash';
import { extractFeatures } from '../src/kernels/features/features';
import { decodeImageBgr, type DecodeBgrOptions, type DecodedBgr } from '../src/kernels/image-input';
import type { FeatureResult, FeatureSettings, VerifySettings } from '../src/kernels/features/types';
import { verifyBatch, type VerifyBatch } from '../src/kernels/features/verify-batch';
import type { PairVerdict } from '../src/kernels/features/verify';
import { embeddingPairsInBlock, type EmbeddingPairs } from '../src/kernels/embedding/nearest';

// The pool already runs one worker per core: keep libvips to one thread and a small cache per worker.
sharp.concurrency(1);
sharp.cache({ memory: 16, files: 0, items: 20 });

let embedder: Promise<Embedder> | undefined;
let embedderModel: string | undefined;

function embedderFor(settings: FeatureSettings): Promise<Embedder> | undefined {
  const e = settings.embedding;
  if (!e) return undefined;
  if (!embedder || embedderModel !== e.model) {
    // From now on this worker is never terminated mid-call (see ORT_POOL_KINDS); without an embedding it is.
    declareUnsafeToTerminate('onnxruntime (dedup embedding model)');
    embedderModel = e.model;
    embedder = Embedder.create(e);
  }
  return embedder;
}

/** The buffers of a result's feature arrays, moved to the main thread rather than copied. */
function featureBuffers(result: FeatureResult): ArrayBuffer[] {
  if (!result.ok) return [];
  const { colour, thumb, foreground, embedding } = result.features;
  return movableBuffers([colour, thumb, foreground, embedding]);
}

const api = {
  /** Optional warm-up: loads the embedding model (if `settings` name one) once per worker. */
  async init(settings?: FeatureSettings): Promise<void> {
    if (settings) await embedderFor(settings);
  },
  /**
   * Features of one image file, or a typed skip reason. `settings` are complete: the main thread parses
   * them (featureSettingsSchema) so the worker needs no config code.
   */
  async features(path: string, settings: FeatureSettings): Promise<FeatureResult> {
    const e = embedderFor(settings);
    const result = await extractFeatures(path, settings, e ? await e : undefined);
    return transferResult(result, featureBuffers(result));
  },
  /**
   * Features of a batch of files, one after the other (no round trip per file: a small image decodes
   * faster than a worker call), with every result's buffers moved to the main thread.
   */
  async featuresBatch(paths: string[], settings: FeatureSettings): Promise<FeatureResult[]> {
    const e = embedderFor(settings);
    const embedder = e ? await e : undefined;
    const results: FeatureResult[] = [];
    for (const path of paths) results.push(await extractFeatures(path, settings, embedder));
    return transferResult(results, results.flatMap(featureBuffers));
  },
  /** Streamed content hash (sha1 hex) for exact-duplicate detection. */
  async contentHash(path: string): Promise<string> {
    return hashFileContent(path);
  },
  /**
   * Content hashes of a batch of files: hashing a typical image costs less than a round trip to a
   * worker, so stage 0 sends several per call. A file that cannot be read gets its error, not the batch.
   */
  async contentHashes(paths: string[]): Promise<FileHashResult[]> {
    return hashFiles(paths);
  },
  /** One image of an image-folder source as BGR24 (moved, not copied), or why it was skipped. */
  async decodeFrame(path: string, options: DecodeBgrOptions): Promise<DecodedBgr> {
    const result = await decodeImageBgr(path, options);
    return result.ok ? transferResult(result, movableBuffers([result.bgr])) : result;
  },
  /**
   * Verdicts of a batch of candidate pairs (see verify-batch.ts): verification runs here, the main thread
   * only routes pairs and the feature data they need.
   */
  verifyPairs(batch: VerifyBatch, settings: VerifySettings): (PairVerdict | undefined)[] {
    return verifyBatch(batch, settings);
  },
  /**
   * Embedding pairs with cosine >= `minCosine` among rows [from, to) and every later row of `vectors`
   * (L2-normalised, row-major, on a SharedArrayBuffer: read here without a copy).
   */
  embeddingPairs(
    vectors: Float32Array,
    dim: number,
    from: number,
    to: number,
    minCosine: number,
  ): EmbeddingPairs {
    const found = embeddingPairsInBlock(vectors, dim, from, to, minCosine);
    return transferResult(found, movableBuffers([found.a, found.b, found.score]));
  },
};

export type HashWorkerApi = typeof api;

exposeWorker(api);
