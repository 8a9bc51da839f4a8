/**
 * What `detectEvery` N costs in recall and gains in speed: the sample videos run through BlazeFace back on
 * every frame (the reference), then through the channel's own tracker + predictor detecting on every Nth
 * frame only. Recall: the share of the reference faces (>= 40 px) that a live track's box covers (IoU >= 0.5)
 * on the same frame. Speed: detector + tracker time per delivered frame, in-process, one thread.
 * `npm run bench -- --only detect-every` or `node dist/bench/detect-every.js [frames]`.
 */
import { assetPath } from '../src/assets';
import { createDetector } from '../src/kernels/detectors/open';
import { iou, type Detection } from '../src/kernels/frame';
import { createTrackPredictor } from '../src/pipelines/camera/detect-every';
import { openReader } from '../src/pipelines/camera/sources/frame-source';
import { parseSource } from '../src/pipelines/camera/sources/source-uri';
import { createTracker } from '../src/pipelines/camera/tracker';
import { SAMPLE_VIDEOS } from './lib/camera';
import { fmt, ratio } from './lib/measure';
import { runStandalone } from './lib/standalone';
import type { BenchDefinition, CaseContext } from './lib/types';

const EVERY = [1, 2, 3, 5];
const MIN_FACE = 40;

interface EveryRun {
  every: number;
  faces: number;
  covered: number;
  recall: number;
  msPerFrame: number;
  frames: number;
}

async function runCase(_caseId: string, ctx: CaseContext, framesArg?: number): Promise<EveryRun[]> {
  const frames = framesArg ?? (ctx.quick ? 150 : 300);
  const detector = await createDetector({ type: 'blazeface', variant: 'back' });
  const layout = detector.inputLayout;
  const runs: EveryRun[] = EVERY.map((every) => ({
    every,
    faces: 0,
    covered: 0,
    recall: 0,
    msPerFrame: 0,
    frames: 0,
  }));
  for (const video of SAMPLE_VIDEOS) {
    const reader = await openReader(parseSource(assetPath('samples', video)), { resize: layout });
    const inputs: Array<{
      width: number;
      height: number;
      resized: NonNullable<typeof layout> & { data: Uint8Array };
    }> = [];
    for (let i = 0; i < frames; i++) {
      const raw = await reader.read();
      if (!raw?.resized || !reader.resized) break;
      inputs.push({
        width: reader.info.width,
        height: reader.info.height,
        resized: { ...reader.resized, data: raw.resized },
      });
    }
    void reader.close().catch(() => undefined);
    const reference: Detection[][] = [];
    for (const input of inputs) reference.push(await detector.detect(input));
    for (const run of runs) {
      const tracker = createTracker();
      const predictor = createTrackPredictor();
      let ms = 0;
      for (let seq = 0; seq < inputs.length; seq++) {
        const start = performance.now();
        const update =
          seq % run.every === 0
            ? predictor.observe(tracker.update(await detector.detect(inputs[seq]), seq, seq * 40))
            : predictor.predict(seq, seq * 40);
        ms += performance.now() - start;
        for (const face of reference[seq]) {
          if (face.box[2] - face.box[0] < MIN_FACE) continue;
          run.faces++;
          if (update.tracks.some((t) => iou(t.box, face.box) >= 0.5)) run.covered++;
        }
      }
      run.msPerFrame = (run.msPerFrame * run.frames + ms) / (run.frames + inputs.length);
      run.frames += inputs.length;
    }
  }
  for (const run of runs) {
    run.recall = run.covered / Math.max(1, run.faces);
    ctx.progress(
      `detectEvery ${run.every}: recall ${(run.recall * 100).toFixed(1)} %, ${fmt(run.msPerFrame)} ms/frame`,
    );
  }
  await detector.dispose();
  return runs;
}

export const detectEveryBench: BenchDefinition = {
  name: 'detect-every',
  title: 'detectEvery N: recall against detecting every frame, and time per frame',
  optIn: true,
  caseTimeoutMs: () => 600_000,
  runCase: (id, ctx) => runCase(id, ctx),
  summarize(data) {
    const runs = data.main as EveryRun[];
    const base = runs.find((r) => r.every === 1)!;
    return {
      baseline: 'detection on every frame (detectEvery 1), same frames, same run',
      tables: [
        {
          columns: [
            'detectEvery',
            `recall of faces >= ${MIN_FACE} px`,
            'ms per frame (detect + track)',
            'speed-up',
          ],
          rows: runs.map((r) => [
            r.every,
            `${(r.recall * 100).toFixed(1)} %`,
            fmt(r.msPerFrame),
            ratio(base.msPerFrame, r.msPerFrame),
          ]),
        },
      ],
      notes: [
        `Megamind.avi and vtest.avi, ${base.frames} frames, BlazeFace back on FFmpeg's letterboxed input, default tracker. ` +
          'Recall: reference faces (detected on every frame) covered by a live track box (IoU >= 0.5) on the same frame; ' +
          'the reference itself counts only faces the detector finds.',
      ],
      data: runs,
    };
  },
};

if (require.main === module) {
  const frames = process.argv[2] ? Number(process.argv[2]) : undefined;
  runStandalone(detectEveryBench, async (ctx) => ({ main: await runCase('main', ctx, frames) }));
}
