import { mkdtempSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assetPath } from '../../src/assets/paths';
import { featureSettingsSchema, verifySettingsSchema } from '../../src/config/schema/dedup-settings';
import { Embedder, embeddingInput, l2normalise } from '../../src/kernels/features/embedding';
import { hashFileContent } from '../../src/kernels/features/file-hash';
import { extractFeatures } from '../../src/kernels/features/features';
import { rasterFromBytes } from '../../src/kernels/features/pixels';
import { verifyBatch } from '../../src/kernels/features/verify-batch';
import { cosine, embeddingCheck } from '../../src/kernels/features/verify';
import { createPool, type WorkerPool } from '../../src/pools';
import { workerPath } from '../../src/util/paths';
import type { HashWorkerApi } from '../../workers/hash';
import sharp from 'sharp';
import { samplesDir } from './corpus';

// BlazeFace stands in for an embedding model: any ONNX model with an image input exercises the plumbing.
const embedding = {
  model: assetPath('blazeface', 'face_detection_front_128x128_barracuda.onnx'),
  outputName: 'Identity_2:0',
  inputSize: 128,
  layout: 'NHWC' as const,
  mean: [0.5, 0.5, 0.5] as [number, number, number],
  std: [0.5, 0.5, 0.5] as [number, number, number],
};
// The worker takes complete settings: the main thread parses them (defaults applied) before sending.
const withEmbedding = featureSettingsSchema.parse({ embedding });
const defaults = featureSettingsSchema.parse({});

describe('embedding helpers', () => {
  test('input tensor layout and normalisation', () => {
    // 2x2 RGB: pixel i has channel values (10i, 10i+1, 10i+2)
    const bytes = Uint8Array.from({ length: 12 }, (_, k) => Math.floor(k / 3) * 10 + (k % 3));
    const raster = rasterFromBytes(bytes, 2, 2, 3);
    const base = {
      model: 'x',
      inputSize: 2,
      mean: [0, 0, 0] as [number, number, number],
      std: [1 / 255, 1 / 255, 1 / 255] as [number, number, number],
    };
    const nhwc = embeddingInput(raster, { ...base, layout: 'NHWC' });
    const nchw = embeddingInput(raster, { ...base, layout: 'NCHW' });
    expect(Array.from(nhwc).map(Math.round)).toEqual(Array.from(bytes));
    expect(Array.from(nchw).map(Math.round)).toEqual([0, 10, 20, 30, 1, 11, 21, 31, 2, 12, 22, 32]);
    expect(Array.from(l2normalise(Float32Array.from([3, 4])))).toEqual([
      0.6000000238418579, 0.800000011920929,
    ]);
  });

  test('a missing model or tensor name is named in the error', async () => {
    await expect(Embedder.create({ ...embedding, model: '/nope/model.onnx' })).rejects.toThrow(
      /\/nope\/model.onnx/,
    );
    await expect(Embedder.create({ ...embedding, outputName: 'no_such_output' })).rejects.toThrow(
      /no_such_output/,
    );
  });
});

describe('hash worker (dist/workers/hash.js)', () => {
  let pool: WorkerPool<HashWorkerApi>;
  beforeAll(async () => {
    pool = createPool<HashWorkerApi>({
      name: 'hash',
      worker: workerPath('hash'),
      size: 1,
      taskTimeoutMs: 30_000,
      initArgs: [withEmbedding],
    });
    await pool.ready();
  });
  afterAll(() => pool.terminate());

  test('features in the worker equal features computed in-process, typed arrays intact', async () => {
    const file = path.join(samplesDir(), 'fruits.jpg');
    const remote = await pool.run('features', [file, withEmbedding], { identity: file });
    const local = await extractFeatures(file, defaults);
    if (!remote.ok || !local.ok) throw new Error('fruits.jpg should decode');
    expect(remote.features.hashes).toEqual(local.features.hashes);
    expect(remote.features.colour.constructor.name).toBe('Float32Array'); // crosses a realm: no instanceof
    expect(Array.from(remote.features.thumb)).toEqual(Array.from(local.features.thumb));
    expect(remote.features.embedding?.constructor.name).toBe('Float32Array');
    expect(remote.features.width).toBe(local.features.width);
  });

  // Runs in the worker: onnxruntime checks tensor data with instanceof, which jest's sandboxed globals fail.
  test('embeddings are unit vectors; the same picture recompressed stays closer than another picture', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dedup-emb-'));
    const copy = path.join(dir, 'messi.webp');
    await sharp(path.join(samplesDir(), 'messi5.jpg')).webp({ quality: 60 }).toFile(copy);
    const get = async (f: string) => {
      const r = await pool.run('features', [f, withEmbedding], { identity: f });
      if (!r.ok) throw new Error(r.skipped.detail);
      return r.features;
    };
    const a = await get(path.join(samplesDir(), 'messi5.jpg'));
    const b = await get(copy);
    const c = await get(path.join(samplesDir(), 'starry_night.jpg'));
    expect(a.embedding!.length).toBe(512 * 16);
    expect(cosine(a.embedding!, a.embedding!)).toBeCloseTo(1, 5);
    expect(cosine(a.embedding!, b.embedding!)).toBeGreaterThan(cosine(a.embedding!, c.embedding!));
    expect(embeddingCheck(a, b, 0.5)!.score).toBeCloseTo(cosine(a.embedding!, b.embedding!), 6);
    expect(embeddingCheck(a, { ...b, embedding: undefined }, 0.5)).toBeUndefined();
  });

  test('bad files come back as skip reasons, not task failures; contentHash streams sha1', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dedup-worker-'));
    const empty = path.join(dir, 'empty.jpg');
    await fs.writeFile(empty, '');
    const r = await pool.run('features', [empty, defaults]);
    expect(r).toEqual({
      ok: false,
      skipped: { path: empty, reason: 'empty-file', detail: `${empty}: zero bytes` },
    });
    const file = path.join(samplesDir(), 'home.jpg');
    expect(await pool.run('contentHash', [file])).toBe(await hashFileContent(file));
  });

  test('contentHashes hashes a batch in one call; a file it cannot read gets its error, not the batch', async () => {
    const files = ['home.jpg', 'no-such-file.jpg', 'fruits.jpg'].map((f) => path.join(samplesDir(), f));
    expect(await pool.run('contentHashes', [files])).toEqual([
      { path: files[0], ok: true, hash: await hashFileContent(files[0]) },
      { path: files[1], ok: false, error: expect.stringContaining(`cannot read ${files[1]}: ENOENT`) },
      { path: files[2], ok: true, hash: await hashFileContent(files[2]) },
    ]);
  });
  test('featuresBatch answers a batch of files in one call, each as features alone would, skips included', async () => {
    const files = ['home.jpg', 'no-such-file.jpg', 'fruits.jpg'].map((f) => path.join(samplesDir(), f));
    const batch = await pool.run('featuresBatch', [files, defaults]);
    expect(batch.map((r) => r.ok)).toEqual([true, false, true]);
    for (const [k, f] of files.entries()) {
      const one = await pool.run('features', [f, defaults]);
      const r = batch[k];
      if (!r.ok || !one.ok) {
        expect(r).toEqual(one);
        continue;
      }
      expect(r.features.hashes).toEqual(one.features.hashes);
      expect(r.features.colour.constructor.name).toBe('Float32Array');
      expect(Array.from(r.features.thumb)).toEqual(Array.from(one.features.thumb));
    }
  });

  test('verifyPairs gives the verdicts of this thread; screen-only pairs that pass stages 1-2 come back open', async () => {
    const f = async (name: string) => {
      const r = await extractFeatures(path.join(samplesDir(), name), defaults);
      if (!r.ok) throw new Error(r.skipped.detail);
      return r.features;
    };
    const records = [await f('home.jpg'), await f('home.jpg'), await f('fruits.jpg')];
    const pairs = [
      { a: 0, b: 1, transform: 'identity' as const },
      { a: 0, b: 2, transform: 'identity' as const },
    ];
    const verify = verifySettingsSchema.parse({});
    const remote = await pool.run('verifyPairs', [{ pairs, records }, verify]);
    expect(remote).toEqual(verifyBatch({ pairs, records }, verify));
    expect(remote[0]!.pass).toBe(true);
    const screens = records.map(({ hashes, variants, colour }) => ({ hashes, variants, colour }));
    expect((await pool.run('verifyPairs', [{ pairs, records: screens }, verify]))[0]).toBeUndefined();
  });
});
