/**
 * The dedup embedding network: nsfwjs's MobileNetV2 (width 1.4, 224x224) tfjs graph model, cut at its
 * 1792-D feature vector and converted to ONNX on first use, cached under <assets>/models/onnx like the
 * face-api models (file name = converter version + hash of the source bundles; atomic writes).
 *
 * nsfwjs ships the model JSON and the weight shards as UMD `.min.js` bundles that export a value (an
 * object literal, base64 strings). The bundles are pinned by sha256 in the asset manifest; they are
 * evaluated in an empty `vm` context (no require, process or globals, 10 s limit) only to read that value.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { assetPath } from '../assets/paths';
import { onnxModelsDir } from './face-api-models';
import { buildTfjsGraphOnnx, type TfjsGraphModel } from './tfjs-graph-convert';
import { decodeWeightGroups } from './tfjs-weights';

/** Bump when the generated graph changes. */
export const MOBILENET_CONVERTER_VERSION = 1;

/** Input side of the network (NHWC RGB in 0..1). */
export const MOBILENET_INPUT = 224;

/** Length of the feature vector. */
export const MOBILENET_DIM = 1792;

/** The graph node holding the feature vector (global average pool, squeezed). */
export const MOBILENET_FEATURE_NODE =
  'StatefulPartitionedCall/sequential/keras_layer/StatefulPartitionedCall/StatefulPartitionedCall/' +
  'StatefulPartitionedCall/predict/feature_vector/SpatialSqueeze';

/** Files of the `mobilenet` asset. */
export const MOBILENET_BUNDLES = {
  model: 'model.min.js',
  shards: ['group1-shard1of2.min.js', 'group1-shard2of2.min.js'],
} as const;

/** The value a UMD bundle exports; the error names the file. */
export function readUmdExport(file: string): unknown {
  const module: { exports: unknown } = { exports: {} };
  try {
    vm.runInNewContext(readFileSync(file, 'utf8'), { module, exports: module.exports }, { timeout: 10_000 });
  } catch (err) {
    throw new Error(`${file}: cannot read the bundled value: ${(err as Error).message}`);
  }
  return module.exports;
}

/** The tfjs graph model and its decoded weights from a folder holding the nsfwjs bundles. */
export function loadMobilenetBundles(dir: string): {
  model: TfjsGraphModel;
  weights: ReturnType<typeof decodeWeightGroups>;
} {
  const modelFile = path.join(dir, MOBILENET_BUNDLES.model);
  const model = readUmdExport(modelFile) as TfjsGraphModel;
  if (model?.format !== 'graph-model' || !Array.isArray(model.weightsManifest)) {
    throw new Error(`${modelFile}: not a tfjs graph model`);
  }
  const shardFiles = new Map<string, string>(
    MOBILENET_BUNDLES.shards.map((f) => [f.replace(/\.min\.js$/, ''), path.join(dir, f)]),
  );
  const shard = (name: string): Uint8Array => {
    const file = shardFiles.get(name);
    if (!file) throw new Error(`${modelFile}: unknown weight shard ${name}`);
    const b64 = readUmdExport(file);
    if (typeof b64 !== 'string') throw new Error(`${file}: expected a base64 string`);
    return Buffer.from(b64, 'base64');
  };
  return { model, weights: decodeWeightGroups(model.weightsManifest, shard, modelFile) };
}

/** Converts the bundles in `dir` to ONNX bytes: input `input` [batch,224,224,3] -> `embedding` [batch,1792]. */
export function convertMobilenet(dir: string): Uint8Array {
  const { model, weights } = loadMobilenetBundles(dir);
  return buildTfjsGraphOnnx(model, weights, {
    output: MOBILENET_FEATURE_NODE,
    outputName: 'embedding',
    file: path.join(dir, MOBILENET_BUNDLES.model),
  });
}

/**
 * Path of the MobileNetV2 ONNX file, converting the `mobilenet` asset on first use. Throws
 * `AssetMissingError` when the asset is not fetched (`pipeline assets fetch --only mobilenet`).
 */
export function mobilenetOnnxPath(options: { dir?: string } = {}): string {
  const sources = [MOBILENET_BUNDLES.model, ...MOBILENET_BUNDLES.shards].map((f) =>
    assetPath('mobilenet', f),
  );
  const hash = createHash('sha256');
  for (const f of sources) hash.update(readFileSync(f));
  const dir = options.dir ?? onnxModelsDir();
  const file = path.join(
    dir,
    `mobilenet-v2-mid.v${MOBILENET_CONVERTER_VERSION}.${hash.digest('hex').slice(0, 12)}.onnx`,
  );
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(tmp, convertMobilenet(path.dirname(sources[0])));
  renameSync(tmp, file);
  return file;
}
