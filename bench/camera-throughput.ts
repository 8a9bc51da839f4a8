/**
 * Camera, as fast as possible: total FPS of the full pipeline (runChannels: FFmpeg sources, bounded
 * buffers, shared detect pool with BlazeFace front, tracker, JSON Lines sinks) against the raw loop (the
 * same FFmpeg reader and the same detector called in-process, no RxJS, no pools), in the same run. Both
 * run with full frames (detector letterboxes in TypeScript) and with decoder-resized frames (FFmpeg hands
 * over the detector input; the pipeline's default when nothing needs full frames).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDetector } from '../src/kernels/detectors/open';
import { runChannels } from '../src/pipelines/camera/run-channels';
import type { DetectorFrame } from '../src/kernels/frame';
import { openReader } from '../src/pipelines/camera/sources/frame-source';
import type { RawFrame, RawFrameReader } from '../src/pipelines/camera/sources/raw-reader';
import { parseSource } from '../src/pipelines/camera/sources/source-uri';
import { cameraConfig, stopPools, warmDetectPool } from './lib/camera';
import { cpuSeconds, fmt, percent, ratio, sleep } from './lib/measure';
import type { BenchDefinition, CaseContext } from './lib/types';

const CHANNELS = 4;

type Variant = 'raw-full' | 'raw' | 'pipeline-full-1' | 'pipeline-full-2' | 'pipeline-1' | 'pipeline-2';

interface ThroughputRun {
  variant: Variant;
  frames: number;
  seconds: number;
  fps: number;
  /** CPU seconds of this process (all threads) and of the FFmpeg decoders. */
  cpu: { self: number; children: number };
  faces: number;
}

function cpuDelta(before: ReturnType<typeof cpuSeconds>): { self: number; children: number } {
  const after = cpuSeconds();
  return { self: after.self - before.self, children: after.children - before.children };
}

/** Closes without awaiting, as the frame source does: the decoder is killed, nothing to wait for. */
function closeReader(reader: { close(): Promise<void> }): void {
  void reader.close().catch(() => undefined);
}

/** One frame as the detector takes it: the full frame, or the decoder's letterboxed input. */
function detectorFrame(reader: RawFrameReader, raw: RawFrame): DetectorFrame {
  const { width, height } = reader.info;
  if (reader.resized && raw.resized)
    return { width, height, resized: { ...reader.resized, data: raw.resized } };
  if (!raw.data) throw new Error('raw loop: frame without pixels');
  return { width, height, data: raw.data };
}

/** The raw loop: one channel after the other, read a frame, detect, repeat. */
async function rawLoop(maxFrames: number, resize: boolean): Promise<ThroughputRun> {
  const config = cameraConfig(CHANNELS, { pace: 'asap', maxFrames, detectWorkers: 1 });
  const channels = config.channels ?? [];
  const detector = await createDetector(channels[0].detector);
  const layout = resize ? detector.inputLayout : undefined;
  // Warm-up: the first inferences of a session are slower.
  {
    const reader = await openReader(parseSource(channels[0].source), { resize: layout });
    for (let i = 0; i < 10; i++) {
      const data = await reader.read();
      if (data) await detector.detect(detectorFrame(reader, data));
    }
    closeReader(reader);
  }
  await sleep(200); // let the warm-up decoder be reaped before the CPU counters are read
  const cpu0 = cpuSeconds();
  const start = performance.now();
  let frames = 0;
  let faces = 0;
  for (const c of channels) {
    const reader = await openReader(parseSource(c.source), { resize: layout });
    for (let i = 0; i < maxFrames; i++) {
      const data = await reader.read();
      if (!data) break;
      faces += (await detector.detect(detectorFrame(reader, data))).length;
      frames++;
    }
    closeReader(reader);
  }
  const seconds = (performance.now() - start) / 1000;
  await sleep(200);
  const cpu = cpuDelta(cpu0);
  await detector.dispose();
  return { variant: resize ? 'raw' : 'raw-full', frames, seconds, fps: frames / seconds, cpu, faces };
}

async function pipeline(maxFrames: number, workers: 1 | 2, resize: boolean): Promise<ThroughputRun> {
  const config = cameraConfig(CHANNELS, {
    pace: 'asap',
    maxFrames,
    detectWorkers: workers,
    fullFrames: resize ? 'auto' : 'always',
  });
  await warmDetectPool(config);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rxv-bench-jsonl-'));
  try {
    await sleep(200);
    const cpu0 = cpuSeconds();
    const start = performance.now();
    const summary = await runChannels(config, { output: { type: 'jsonl', dir }, statusLine: false });
    const seconds = (performance.now() - start) / 1000;
    await sleep(200);
    const cpu = cpuDelta(cpu0);
    const frames = summary.channels.reduce((s, c) => s + c.frames, 0);
    const faces = summary.channels.reduce((s, c) => s + c.faces, 0);
    const failed = summary.channels.filter((c) => c.state === 'failed');
    if (failed.length)
      throw new Error(`channels failed: ${failed.map((c) => `${c.id}: ${c.error}`).join('; ')}`);
    return {
      variant: `pipeline${resize ? '' : '-full'}-${workers}`,
      frames,
      seconds,
      fps: frames / seconds,
      cpu,
      faces,
    };
  } finally {
    await stopPools();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runCase(_caseId: string, ctx: CaseContext): Promise<ThroughputRun[]> {
  const maxFrames = ctx.quick ? 150 : 270;
  const rounds = ctx.quick ? 1 : 2;
  const runs: ThroughputRun[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const run of [
      () => rawLoop(maxFrames, false),
      () => pipeline(maxFrames, 1, false),
      () => pipeline(maxFrames, 2, false),
      () => rawLoop(maxFrames, true),
      () => pipeline(maxFrames, 1, true),
      () => pipeline(maxFrames, 2, true),
    ]) {
      const m = await run();
      ctx.progress(
        `round ${r + 1}: ${m.variant} ${m.frames} frames in ${m.seconds.toFixed(2)} s = ${fmt(m.fps)} FPS ` +
          `(CPU ${m.cpu.self.toFixed(1)} s + decoders ${m.cpu.children.toFixed(1)} s)`,
      );
      runs.push(m);
    }
  }
  return runs;
}

const LABEL: Record<Variant, string> = {
  'raw-full': 'raw loop, full frames: FFmpeg reader + BlazeFace in-process, 1 thread',
  'pipeline-full-1': 'pipeline, full frames (fullFrames: always), detect pool of 1 worker',
  'pipeline-full-2': 'pipeline, full frames (fullFrames: always), detect pool of 2 workers',
  raw: 'raw loop, decoder-resized frames, 1 thread (baseline)',
  'pipeline-1': 'pipeline, decoder-resized frames (default), detect pool of 1 worker',
  'pipeline-2': 'pipeline, decoder-resized frames (default), detect pool of 2 workers',
};

export const cameraThroughput: BenchDefinition = {
  name: 'camera-throughput',
  title: 'Camera, as fast as possible: full pipeline vs raw loop',
  caseTimeoutMs: (quick) => (quick ? 180_000 : 300_000),
  runCase,
  summarize(data) {
    const runs = data.main as ThroughputRun[];
    const best = (v: Variant) =>
      runs.filter((r) => r.variant === v).reduce((a, b) => (b.fps > a.fps ? b : a));
    const raw = best('raw');
    const perCpu = (r: ThroughputRun) => r.frames / (r.cpu.self + r.cpu.children);
    const variants: Variant[] = [
      'raw-full',
      'pipeline-full-1',
      'pipeline-full-2',
      'raw',
      'pipeline-1',
      'pipeline-2',
    ];
    const p1 = best('pipeline-1');
    const p2 = best('pipeline-2');
    const full2 = best('pipeline-full-2');
    return {
      baseline: LABEL.raw,
      tables: [
        {
          columns: [
            'variant',
            'total FPS',
            'vs raw',
            'CPU s (process + decoders)',
            'frames per CPU-second',
            'vs raw per CPU-second',
          ],
          rows: variants.map((v) => {
            const r = best(v);
            return [
              LABEL[v],
              fmt(r.fps),
              v === 'raw' ? '1.00x' : ratio(r.fps, raw.fps),
              `${r.cpu.self.toFixed(1)} + ${r.cpu.children.toFixed(1)}`,
              fmt(perCpu(r)),
              v === 'raw' ? '1.00x' : ratio(perCpu(r), perCpu(raw)),
            ];
          }),
        },
      ],
      notes: [
        `${CHANNELS} channels (Megamind.avi and vtest.avi, alternating), ${raw.frames} frames in all, pace asap ` +
          "(buffer policy 'wait': no frame dropped), JSON Lines output; best of the rounds for each variant.",
        `Overhead of the pipeline with the same number of detection threads as the raw loop (1): ` +
          `${percent(p1.fps, raw.fps)} FPS (target: no worse than -15 %); per CPU-second ` +
          `${percent(perCpu(p1), perCpu(raw))}. With 2 workers: ${percent(p2.fps, raw.fps)} FPS, ` +
          `${percent(perCpu(p2), perCpu(raw))} per CPU-second.`,
        'The raw loop uses one thread plus the FFmpeg decoder processes; the pipeline adds its main thread ' +
          '(sources, RxJS, tracker, sinks) next to the workers. Frames per CPU-second (all threads of the process ' +
          'plus the decoders) is the per-core comparison.',
        `Decoder-resized frames (FFmpeg letterboxes to the detector input; full frames only when crops or the ` +
          `live view need them) vs full frames, 2 workers: ${ratio(p2.fps, full2.fps)} FPS.`,
        `Faces found: raw ${raw.faces} (full frames ${best('raw-full').faces}), pipeline ${p1.faces} / ` +
          `${p2.faces} (full frames ${best('pipeline-full-1').faces} / ${full2.faces}).`,
      ],
      data: runs,
    };
  },
};
