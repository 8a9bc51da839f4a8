/**
 * Re-ID / gender-age model throughput: embeddings/s and classifications/s, in one thread (what one pool
 * worker does, onnxruntime with 1 intra-op thread) and through the shared `embed` / `classify` pools, at
 * batch sizes 1, 8 and 32 (the converted face-api graphs have a dynamic batch dimension).
 * Run alone with `node dist/bench/reid.js` (after `npm run build`), or call `run()` from the bench harness.
 */
import sharp from 'sharp';
import { assetPath } from '../src/assets';
import { cropSpecFor, openClassifier, openEmbedder } from '../src/kernels/faces/face-models';
import { createBlazeFaceDetector } from '../src/kernels/detectors/open';
import { cropFace } from '../src/kernels/faces/face-crop';
import { poolClassify, poolEmbed } from '../src/pipelines/camera/reid/face-analysis';
import { closeAllPools, resolvePoolSize } from '../src/pools/registry';

/** One measured configuration. */
export interface ReidBenchRow {
  model: 'embed' | 'classify';
  where: 'worker' | 'pool';
  workers: number;
  batch: number;
  facesPerSecond: number;
}

async function messiCrops(): Promise<{ embed: Uint8Array; classify: Uint8Array }> {
  const { data, info } = await sharp(assetPath('samples', 'messi5.jpg'))
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const bgr = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i += 3) {
    bgr[i] = data[i + 2];
    bgr[i + 1] = data[i + 1];
    bgr[i + 2] = data[i];
  }
  const frame = { width: info.width, height: info.height, data: bgr };
  const detector = await createBlazeFaceDetector({ variant: 'back' });
  const [face] = await detector.detect(frame);
  await detector.dispose();
  if (!face) throw new Error('bench: no face found in messi5.jpg');
  return {
    embed: cropFace(frame, face, cropSpecFor({ type: 'face-api' }, 'embed')),
    classify: cropFace(frame, face, cropSpecFor({ type: 'face-api' }, 'classify')),
  };
}

async function timed(faces: number, minMs: number, fn: () => Promise<unknown>): Promise<number> {
  await fn(); // warm-up
  let done = 0;
  const start = performance.now();
  while (performance.now() - start < minMs) {
    await fn();
    done += faces;
  }
  return (done * 1000) / (performance.now() - start);
}

/** Measures every configuration; `minMs` per measurement. */
export async function run(options: { batches?: number[]; minMs?: number } = {}): Promise<ReidBenchRow[]> {
  const batches = options.batches ?? [1, 8, 32];
  const minMs = options.minMs ?? 2000;
  const crops = await messiCrops();
  const rows: ReidBenchRow[] = [];
  const embedder = await openEmbedder({ type: 'face-api' });
  const classifier = await openClassifier({ type: 'face-api' });
  for (const batch of batches) {
    const e = Array.from({ length: batch }, () => crops.embed);
    const c = Array.from({ length: batch }, () => crops.classify);
    rows.push({
      model: 'embed',
      where: 'worker',
      workers: 1,
      batch,
      facesPerSecond: await timed(batch, minMs, () => embedder.embed(e)),
    });
    rows.push({
      model: 'classify',
      where: 'worker',
      workers: 1,
      batch,
      facesPerSecond: await timed(batch, minMs, () => classifier.classify(c)),
    });
  }
  await Promise.all([embedder.dispose(), classifier.dispose()]);

  const embed = poolEmbed();
  const classify = poolClassify();
  const sizes = { embed: resolvePoolSize('embed').size, classify: resolvePoolSize('classify').size };
  try {
    for (const batch of batches) {
      // One call in flight per worker, so every worker is busy.
      const e = () =>
        Promise.all(
          Array.from({ length: sizes.embed }, () =>
            embed(
              { type: 'face-api' },
              Array.from({ length: batch }, () => crops.embed),
            ),
          ),
        );
      const c = () =>
        Promise.all(
          Array.from({ length: sizes.classify }, () =>
            classify(
              { type: 'face-api' },
              Array.from({ length: batch }, () => crops.classify),
            ),
          ),
        );
      rows.push({
        model: 'embed',
        where: 'pool',
        workers: sizes.embed,
        batch,
        facesPerSecond: await timed(batch * sizes.embed, minMs, e),
      });
      rows.push({
        model: 'classify',
        where: 'pool',
        workers: sizes.classify,
        batch,
        facesPerSecond: await timed(batch * sizes.classify, minMs, c),
      });
    }
  } finally {
    await closeAllPools();
  }
  return rows;
}

if (require.main === module) {
  run()
    .then((rows) => {
      for (const r of rows) {
        process.stdout.write(
          `${r.model.padEnd(9)} ${r.where.padEnd(6)} workers ${r.workers} batch ${String(r.batch).padStart(2)}: ${r.facesPerSecond.toFixed(1)} faces/s\n`,
        );
      }
    })
    .catch((err: Error) => {
      process.stderr.write(`bench reid: ${err.message}\n`);
      process.exitCode = 1;
    });
}
