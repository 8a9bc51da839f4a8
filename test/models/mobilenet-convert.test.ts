/**
 * @jest-environment ./test/fixtures/onnx/ort-environment.ts
 *
 * Proves the tfjs graph -> ONNX conversion of the dedup embedding network: our ONNX graph
 * (onnxruntime-node) against the reference, the same tfjs graph model executed by @tensorflow/tfjs on
 * its CPU backend, on real photos (opencv samples) decoded to 224x224, and the flip/grey invariance the
 * embedder adds on top.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp, { type Sharp } from 'sharp';
import { assetPath } from '../../src/assets';
import {
  loadMobilenetBundles,
  MOBILENET_DIM,
  MOBILENET_FEATURE_NODE,
  MOBILENET_INPUT,
  mobilenetOnnxPath,
  readUmdExport,
  MOBILENET_BUNDLES,
} from '../../src/models/mobilenet-model';
import { Embedder } from '../../src/kernels/features/embedding';
import { rasterFromBytes, type Raster } from '../../src/kernels/features/pixels';
import { MOBILENET_EMBEDDING } from '../../src/config/schema/dedup-settings';
import { cosine } from '../../src/kernels/features/verify';

/* eslint-disable @typescript-eslint/no-require-imports */
const tf = require('@tensorflow/tfjs') as typeof import('@tensorflow/tfjs');
/* eslint-enable @typescript-eslint/no-require-imports */

const PHOTOS = ['baboon.jpg', 'fruits.jpg', 'messi5.jpg'];

// tfjs's CPU backend runs MobileNetV2 in plain JS: tens of seconds on a loaded 2-core machine.
jest.setTimeout(300_000);
let dir: string;
let onnxFile: string;

/** A sample photo as a 224x224 RGB raster, optionally transformed by sharp first. */
async function photo(name: string, edit: (s: Sharp) => Sharp = (s) => s): Promise<Raster> {
  const src = await edit(sharp(assetPath('samples', name)))
    .toBuffer()
    .then((b: Buffer) =>
      sharp(b)
        .resize(MOBILENET_INPUT, MOBILENET_INPUT, { fit: 'fill' })
        .removeAlpha()
        .toColourspace('srgb')
        .raw()
        .toBuffer({ resolveWithObject: true }),
    );
  const { data, info } = src;
  return rasterFromBytes(new Uint8Array(data), info.width, info.height, info.channels);
}

/** NHWC float input in 0..1 (the tfjs graph's contract) of a batch of rasters. */
function batch(rasters: Raster[]): Float32Array {
  const per = MOBILENET_INPUT * MOBILENET_INPUT * 3;
  const out = new Float32Array(rasters.length * per);
  rasters.forEach((r, k) => {
    for (let i = 0; i < per; i++) out[k * per + i] = r.data[i] / 255;
  });
  return out;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = mkdtempSync(path.join(os.tmpdir(), 'rxvision-mobilenet-'));
  onnxFile = mobilenetOnnxPath({ dir });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('ONNX MobileNetV2 features match tfjs on the CPU within 1e-3 on real photos', async () => {
  const bundles = path.dirname(assetPath('mobilenet', MOBILENET_BUNDLES.model));
  const { model } = loadMobilenetBundles(bundles);
  const shards = MOBILENET_BUNDLES.shards.map((f) =>
    Buffer.from(readUmdExport(path.join(bundles, f)) as string, 'base64'),
  );
  const all = Buffer.concat(shards);
  const reference = await tf.loadGraphModel(
    tf.io.fromMemory({
      modelTopology: model.modelTopology,
      weightSpecs: model.weightsManifest[0].weights as never,
      weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
    }),
  );
  const rasters = await Promise.all(PHOTOS.map((p) => photo(p)));
  const input = batch(rasters);
  const dims = [rasters.length, MOBILENET_INPUT, MOBILENET_INPUT, 3];
  const x = tf.tensor4d(input, dims as [number, number, number, number]);
  const expected = (await (
    reference.execute(x, MOBILENET_FEATURE_NODE) as import('@tensorflow/tfjs').Tensor
  ).data()) as Float32Array;
  x.dispose();

  const session = await ort.InferenceSession.create(onnxFile);
  const out = await session.run({ input: new ort.Tensor('float32', input, dims) });
  await session.release();
  expect(out.embedding.dims).toEqual([rasters.length, MOBILENET_DIM]);
  const actual = out.embedding.data as Float32Array;
  let maxDiff = 0;
  let maxAbs = 0;
  for (let i = 0; i < actual.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
    maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
  }
  expect(maxAbs).toBeGreaterThan(0.5); // real activations, not an all-zero output
  expect(maxDiff).toBeLessThan(1e-3);
});

test('grey input + flip-sum: mirrored and greyscale copies embed (nearly) alike; different photos do not', async () => {
  const embedder = await Embedder.create({ ...MOBILENET_EMBEDDING, model: onnxFile });
  const raw = await Embedder.create({
    ...MOBILENET_EMBEDDING,
    model: onnxFile,
    greyscale: false,
    flipSum: false,
  });
  try {
    const original = await photo('fruits.jpg');
    const mirrored = await photo('fruits.jpg', (s) => s.flop().png());
    const grey = await photo('fruits.jpg', (s) => s.greyscale().png());
    const other = await photo('baboon.jpg');
    const e = await embedder.embed(original);
    expect(e).toHaveLength(MOBILENET_DIM);
    // By construction: the mirror's flip-summed embedding equals the original's (same pair of inputs).
    expect(cosine(e, await embedder.embed(mirrored))).toBeGreaterThan(0.999);
    expect(cosine(e, await embedder.embed(grey))).toBeGreaterThan(0.99);
    // The raw embedding moves more under a flip than the flip-summed one.
    const rawFlip = cosine(await raw.embed(original), await raw.embed(mirrored));
    expect(rawFlip).toBeLessThan(0.999);
    expect(cosine(e, await embedder.embed(other))).toBeLessThan(0.9);
  } finally {
    await embedder.release();
    await raw.release();
  }
});
