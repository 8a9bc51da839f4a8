/**
 * Haar, as fast as possible, 4 channels: the original camera system's design (Python, per channel a reader
 * thread and two Haar threads; bench/baselines/haar-original.py) against a raw Node loop (FFmpeg reader +
 * the Haar detector in-process, one thread) and the rxvision pipeline with Haar in a pool of child processes
 * (1 or 2), detecting on every frame or every 2nd/3rd (`detectEvery`), all in the same run, on the same
 * cascade (Debian opencv-data haarcascade_frontalface_default), the same videos and the same cascade
 * settings (scaleFactor 1.1, minNeighbors 3, full resolution, no minimum size).
 * `npm run bench -- --only haar` or `node dist/bench/haar.js [framesPerChannel]`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assetPath } from '../src/assets';
import { parseConfig, type RxvisionConfig } from '../src/config';
import { detectorKey } from '../src/kernels/detectors';
import { createDetector } from '../src/kernels/detectors/open';
import { runChannels } from '../src/pipelines/camera/run-channels';
import { openReader } from '../src/pipelines/camera/sources/frame-source';
import { parseSource } from '../src/pipelines/camera/sources/source-uri';
import { haarPool } from '../src/pools/kinds';
import { configurePools } from '../src/pools/registry';
import { SAMPLE_VIDEOS, stopPools } from './lib/camera';
import { fmt, ratio, sleep } from './lib/measure';
import { runStandalone } from './lib/standalone';
import type { BenchDefinition, CaseContext } from './lib/types';

const CHANNELS = 4;
const PYTHON = '/usr/bin/python3';
const CASCADE = 'haarcascades/haarcascade_frontalface_default.xml';

interface HaarRun {
  variant: string;
  frames: number;
  /** Frames that went through the cascade. */
  detected: number;
  seconds: number;
  fps: number;
  faces: number;
}

function videos(): string[] {
  return Array.from({ length: CHANNELS }, (_, i) =>
    assetPath('samples', SAMPLE_VIDEOS[i % SAMPLE_VIDEOS.length]),
  );
}

/** The original design in Python (python3-opencv), in a child process. */
function original(frames: number): HaarRun {
  const script = path.join(__dirname, '..', '..', 'bench', 'baselines', 'haar-original.py');
  if (!existsSync(PYTHON))
    throw new Error(`${PYTHON} missing: install it with apt-get install python3-opencv (bench-only)`);
  const run = spawnSync(
    PYTHON,
    [script, '--cascade', assetPath('cascades', CASCADE), '--frames', String(frames), ...videos()],
    { encoding: 'utf8' },
  );
  if (run.status !== 0)
    throw new Error(`haar-original.py failed (status ${run.status}): ${run.stderr || run.error?.message}`);
  const r = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as Omit<HaarRun, 'variant' | 'detected'>;
  return { variant: 'original', ...r, detected: r.frames };
}

/** One thread: each channel's frames read by FFmpeg and run through the Haar detector in-process. */
async function rawLoop(frames: number): Promise<HaarRun> {
  const detector = await createDetector({ type: 'haar' });
  const start = performance.now();
  let count = 0;
  let faces = 0;
  for (const video of videos()) {
    const reader = await openReader(parseSource(video));
    for (let i = 0; i < frames; i++) {
      const raw = await reader.read();
      if (!raw?.data) break;
      faces += (
        await detector.detect({ width: reader.info.width, height: reader.info.height, data: raw.data })
      ).length;
      count++;
    }
    void reader.close().catch(() => undefined);
  }
  const seconds = (performance.now() - start) / 1000;
  await detector.dispose();
  return { variant: 'raw', frames: count, detected: count, seconds, fps: count / seconds, faces };
}

function haarConfig(frames: number, processes: number, detectEvery: number): RxvisionConfig {
  return parseConfig(
    {
      pools: { haar: { size: processes } },
      channelDefaults: {
        pace: 'asap',
        loop: true,
        maxFrames: frames,
        detectEvery,
        detector: { type: 'haar' },
      },
      channels: videos().map((source, i) => ({ id: `cam${i + 1}`, source })),
    },
    'bench-haar.json',
  );
}

async function pipeline(frames: number, processes: number, detectEvery: number): Promise<HaarRun> {
  const config = haarConfig(frames, processes, detectEvery);
  configurePools(config.pools);
  // Start the processes and open the cascade in each before timing.
  await haarPool({ initArgs: [{ preload: [detectorKey({ type: 'haar' })] }] }).ready();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rxv-bench-haar-'));
  try {
    await sleep(200);
    const start = performance.now();
    const summary = await runChannels(config, { output: { type: 'jsonl', dir }, statusLine: false });
    const seconds = (performance.now() - start) / 1000;
    const failed = summary.channels.filter((c) => c.state === 'failed');
    if (failed.length)
      throw new Error(`channels failed: ${failed.map((c) => `${c.id}: ${c.error}`).join('; ')}`);
    const count = summary.channels.reduce((s, c) => s + c.frames, 0);
    return {
      variant: `pipeline-${processes}p-every${detectEvery}`,
      frames: count,
      detected: Math.ceil(count / detectEvery),
      seconds,
      fps: count / seconds,
      faces: summary.channels.reduce((s, c) => s + c.faces, 0),
    };
  } finally {
    await stopPools();
    rmSync(dir, { recursive: true, force: true });
  }
}

const PIPELINES: Array<[processes: number, every: number]> = [
  [1, 1],
  [2, 1],
  [2, 2],
  [2, 3],
];

async function runCase(_caseId: string, ctx: CaseContext, framesArg?: number): Promise<HaarRun[]> {
  const frames = framesArg ?? (ctx.quick ? 60 : 120);
  const runs: HaarRun[] = [];
  const note = (r: HaarRun) => {
    runs.push(r);
    ctx.progress(`${r.variant}: ${r.frames} frames in ${r.seconds.toFixed(1)} s = ${fmt(r.fps)} FPS`);
  };
  note(original(frames));
  note(await rawLoop(frames));
  for (const [processes, every] of PIPELINES) note(await pipeline(frames, processes, every));
  note(original(frames)); // again at the end: the machine's load may have changed meanwhile
  return runs;
}

function label(variant: string): string {
  if (variant === 'original') return 'original design (Python: reader thread + 2 Haar threads per channel)';
  if (variant === 'raw') return 'raw loop (Node, FFmpeg reader + Haar in-process, 1 thread)';
  const [, p, e] = /pipeline-(\d)p-every(\d)/.exec(variant) ?? [];
  return `rxvision, Haar pool of ${p} process${p === '1' ? '' : 'es'}, detectEvery ${e}`;
}

export const haar: BenchDefinition = {
  name: 'haar',
  title: 'Haar, 4 channels as fast as possible: rxvision vs the original design and a raw loop',
  optIn: true,
  caseTimeoutMs: () => 1_800_000,
  runCase: (caseId, ctx) => runCase(caseId, ctx),
  summarize(data) {
    const runs = data.main as HaarRun[];
    const originals = runs.filter((r) => r.variant === 'original');
    const base = originals.reduce((s, r) => s + r.fps, 0) / originals.length;
    const variants = [...new Set(runs.map((r) => r.variant))];
    return {
      baseline: 'the original design, mean of its two runs (start and end of the session)',
      tables: [
        {
          columns: ['variant', 'frames', 'frames through the cascade', 'seconds', 'FPS', 'vs original'],
          rows: variants.map((v) => {
            const of = runs.filter((r) => r.variant === v);
            const r = of[of.length - 1];
            const fps = of.reduce((s, x) => s + x.fps, 0) / of.length;
            return [label(v), r.frames, r.detected, fmt(r.seconds), fmt(fps), ratio(fps, base)];
          }),
        },
      ],
      notes: [
        `${CHANNELS} channels (Megamind.avi 720x528 and vtest.avi 768x576, alternating), frames read as fast as ` +
          'possible, Haar frontalface_default at full resolution (scaleFactor 1.1, minNeighbors 3) everywhere. ' +
          'FPS = frames delivered per second; with detectEvery N the frames between detections carry predicted tracks.',
        `Original runs: ${originals.map((r) => fmt(r.fps)).join(' and ')} FPS.`,
      ],
      data: runs,
    };
  },
};

if (require.main === module) {
  const frames = process.argv[2] ? Number(process.argv[2]) : undefined;
  runStandalone(haar, async (ctx) => ({ main: await runCase('main', ctx, frames) }));
}
