/**
 * Camera channel scaling, real-time: N channels paced at 25 FPS (looping the sample videos) for ~15 s
 * each, N = 1, 2, 4, 6, 8, 10, 12, 16 (quick: 1, 4, 8), each N in its own process, writing to PostgreSQL (a
 * throwaway database; PGlite in memory when Postgres is unreachable). Reports drops, achieved FPS, frame
 * latency (capture -> detection result, and capture -> DB row `written_at`) and memory per channel.
 */
import { sql } from 'kysely';
import { openDatabase, type Database } from '../src/db';
import { runChannels } from '../src/pipelines/camera/run-channels';
import { cameraConfig, stopPools, warmDetectPool, warmFacePools } from './lib/camera';
import { fmt, median, quantile, rssMb, sleep } from './lib/measure';
import { createThrowawayDatabase, type ThrowawayDatabase } from './lib/postgres';
import type { BenchDefinition, CaseContext } from './lib/types';

const FPS = 25;
const DETECT_WORKERS = 2;
/** Frames captured in the first second are left out of the latency figures (decoders starting up). */
const WARMUP_MS = 1000;
/** A channel keeps up when it delivers at least this share of the paced rate. */
const KEEP_UP = 0.95;

const FULL = [1, 2, 4, 6, 8, 10, 12, 16];
const QUICK = [1, 4, 8];
/** Channel counts run again with Re-ID and gender/age on. */
const FACES_FULL = [4, 8, 10, 12];
const FACES_QUICK = [4, 8];

function caseIds(quick: boolean): string[] {
  return [
    ...(quick ? QUICK : FULL).map((n) => `n${n}`),
    ...(quick ? FACES_QUICK : FACES_FULL).map((n) => `faces-n${n}`),
  ];
}

export interface ScalingResult {
  channels: number;
  /** Re-ID and gender/age on. */
  faces?: boolean;
  /** Face results with an identity / with an age estimate (faces runs). */
  withIdentity?: number;
  withAge?: number;
  seconds: number;
  database: 'postgres' | 'pglite';
  frames: number;
  /** Frames dropped over the whole run, and after the warm-up second. */
  dropped: number;
  droppedSteady: number;
  /** Frames dropped from one warm-up second after the last channel went live (steady state). */
  droppedAllLive?: number;
  failedFrames: number;
  /** Mean delivered frames per second per channel. */
  fpsPerChannel: number;
  minChannelFps: number;
  /** Time from the start of the run to the first frame of the slowest-starting channel. */
  slowestStartMs?: number;
  resultLatencyMs: { p50: number; p99: number; count: number };
  dbLatencyMs: { p50: number; p99: number; count: number };
  rss: { before: number; during: number; perChannel: number };
}

async function openBenchDatabase(): Promise<{ database: Database; throwaway?: ThrowawayDatabase }> {
  try {
    const throwaway = await createThrowawayDatabase('scaling');
    return { database: await openDatabase({ url: throwaway.url }), throwaway };
  } catch {
    return { database: await openDatabase({ dataDir: 'memory://' }) };
  }
}

async function runCase(caseId: string, ctx: CaseContext): Promise<ScalingResult> {
  const faces = caseId.startsWith('faces-');
  const n = Number(caseId.replace(/^(faces-)?n/, ''));
  return measureChannels(n, { faces, durationMs: ctx.quick ? 8000 : 15_000 }, ctx);
}

/**
 * Runs `n` channels paced at 25 FPS for `durationMs` (detections to a throwaway database) and measures
 * drops, delivered FPS per channel, latency and memory. `detectEvery` overrides the channel default.
 */
export async function measureChannels(
  n: number,
  options: { faces: boolean; durationMs: number; detectEvery?: number },
  ctx: CaseContext,
): Promise<ScalingResult> {
  const { faces, durationMs } = options;
  const config = cameraConfig(n, {
    pace: FPS,
    loop: true,
    detectWorkers: DETECT_WORKERS,
    faces,
    detectEvery: options.detectEvery,
  });
  let withIdentity = 0;
  let withAge = 0;
  const { database, throwaway } = await openBenchDatabase();
  try {
    await database.migrate();
    await warmDetectPool(config);
    await warmFacePools(config);
    (globalThis as { gc?: () => void }).gc?.();
    await sleep(300);
    const rssBefore = rssMb();
    const rssSamples: Array<{ t: number; rss: number }> = [];
    const resultLatencies: number[] = [];
    // Capture times of every result per channel: a channel's steady rate is counted from one warm-up second
    // after its own first frame (channels start one after the other: probing and spawning decoders takes
    // time), so start-up is not mistaken for falling behind. The start-up itself is reported apart.
    const captures = new Map<string, number[]>((config.channels ?? []).map((c) => [c.id, []]));
    const t0 = Date.now();
    const steadyEnd = t0 + durationMs - 500; // frames captured later may be cut off by the stop
    // Drops so far, sampled with RSS: drops once every channel is live are the steady-state figure.
    const dropSamples: Array<{ t: number; dropped: number }> = [];
    let totalDropped = (): number => 0;
    const timer = setInterval(() => {
      rssSamples.push({ t: Date.now() - t0, rss: rssMb() });
      dropSamples.push({ t: Date.now(), dropped: totalDropped() });
    }, 100);
    let droppedAtWarmup = 0;
    let warmupTimer: NodeJS.Timeout | undefined;
    const summary = await runChannels(config, {
      output: { type: 'database', db: database },
      durationMs,
      statusLine: false,
      onStart: (run) => {
        totalDropped = () => [...run.channels.values()].reduce((sum, c) => sum + c.dropped, 0);
        warmupTimer = setTimeout(() => {
          droppedAtWarmup = [...run.channels.values()].reduce((sum, c) => sum + c.dropped, 0);
        }, WARMUP_MS);
      },
      onResult: (r) => {
        if (r.endOfStream) return;
        captures.get(r.channel)?.push(r.capturedAt);
        if (r.capturedAt < t0 + WARMUP_MS || r.capturedAt >= steadyEnd) return;
        resultLatencies.push(Date.now() - r.capturedAt);
        for (const a of Object.values(r.attributes ?? {})) {
          if (a.identity) withIdentity++;
          if (a.demographics) withAge++;
        }
      },
    });
    clearInterval(timer);
    clearTimeout(warmupTimer);
    const seconds = (Date.now() - t0) / 1000;
    const rows = await sql<{ ms: number }>`
      select extract(epoch from (written_at - captured_at)) * 1000 as ms from detections
      where run_id = ${summary.runId} and captured_at >= ${new Date(t0 + WARMUP_MS)}`.execute(database.db);
    const dbLatencies = rows.rows.map((r) => Number(r.ms));
    const frames = summary.channels.reduce((s, c) => s + c.frames, 0);
    const steady = rssSamples.filter((s) => s.t > durationMs / 2).map((s) => s.rss);
    const during = steady.length ? median(steady) : rssMb();
    const channelFps = [...captures.values()].map((times) => {
      if (times.length === 0) return 0;
      const start = Math.max(t0 + WARMUP_MS, times[0] + WARMUP_MS);
      const frames = times.filter((t) => t >= start && t < steadyEnd).length;
      return frames / Math.max(0.001, (steadyEnd - start) / 1000);
    });
    const firstFrames = [...captures.values()].map((times) => (times.length ? times[0] - t0 : durationMs));
    const dropped = summary.channels.reduce((s, c) => s + c.dropped, 0);
    const result: ScalingResult = {
      channels: n,
      ...(faces ? { faces, withIdentity, withAge } : {}),
      seconds,
      database: throwaway ? 'postgres' : 'pglite',
      frames,
      dropped,
      droppedSteady: dropped - droppedAtWarmup,
      droppedAllLive: dropped - droppedBefore(dropSamples, t0 + Math.max(...firstFrames) + WARMUP_MS),
      failedFrames: summary.channels.reduce((s, c) => s + c.failedFrames, 0),
      fpsPerChannel: channelFps.reduce((a, b) => a + b, 0) / n,
      minChannelFps: Math.min(...channelFps),
      slowestStartMs: Math.max(...firstFrames),
      resultLatencyMs: {
        p50: quantile(resultLatencies, 0.5),
        p99: quantile(resultLatencies, 0.99),
        count: resultLatencies.length,
      },
      dbLatencyMs: {
        p50: quantile(dbLatencies, 0.5),
        p99: quantile(dbLatencies, 0.99),
        count: dbLatencies.length,
      },
      rss: { before: rssBefore, during, perChannel: (during - rssBefore) / n },
    };
    ctx.progress(
      `${n} channels${faces ? ' with faces' : ''}: ${fmt(result.fpsPerChannel)} FPS/channel, ${result.droppedSteady} dropped, ` +
        `latency p50 ${fmt(result.dbLatencyMs.p50)} ms p99 ${fmt(result.dbLatencyMs.p99)} ms (to DB row)`,
    );
    return result;
  } finally {
    await stopPools();
    await database.close();
    await throwaway?.drop();
  }
}

/** Drops counted by the last sample taken at or before `at` (0 before the first sample). */
function droppedBefore(samples: Array<{ t: number; dropped: number }>, at: number): number {
  let value = 0;
  for (const s of samples) if (s.t <= at) value = s.dropped;
  return value;
}

/**
 * Keeps up in steady state: no drop once every channel is live (plus a warm-up second), no failed frame,
 * and every channel at >= 95 % of the paced rate. Drops while later channels are still starting (probing
 * and spawning decoders loads the CPU) are shown apart.
 */
export function keepsUp(r: ScalingResult): boolean {
  return (
    (r.droppedAllLive ?? r.droppedSteady) === 0 && r.failedFrames === 0 && r.minChannelFps >= FPS * KEEP_UP
  );
}

export const cameraScaling: BenchDefinition = {
  name: 'camera-scaling',
  title: `Camera channel scaling, real-time at ${FPS} FPS`,
  cases: caseIds,
  caseTimeoutMs: () => 90_000,
  runCase,
  summarize(data, quick) {
    const all = caseIds(quick)
      .map((id) => data[id] as ScalingResult | undefined)
      .filter((r): r is ScalingResult => !!r);
    const results = all.filter((r) => !r.faces);
    const withFaces = all.filter((r) => r.faces);
    const largestOf = (rs: ScalingResult[]) => {
      const ok = rs.filter(keepsUp);
      return ok.length ? Math.max(...ok.map((r) => r.channels)) : 0;
    };
    const largest = largestOf(results);
    const one = results.find((r) => r.channels === 1);
    const columns = [
      'channels',
      'total FPS',
      'FPS per channel (min)',
      'dropped: once all live (after warm-up / all)',
      'keeps up',
      'capture → result p50 / p99 (ms)',
      'capture → DB row p50 / p99 (ms)',
      'RSS before → during (MB)',
      'MB per channel',
      'last channel live after (s)',
    ];
    const row = (r: ScalingResult) => [
      r.channels,
      fmt(r.fpsPerChannel * r.channels),
      `${fmt(r.fpsPerChannel)} (${fmt(r.minChannelFps)})`,
      `${r.droppedAllLive ?? '?'} (${r.droppedSteady} / ${r.dropped})`,
      keepsUp(r) ? 'yes' : 'no',
      `${fmt(r.resultLatencyMs.p50)} / ${fmt(r.resultLatencyMs.p99)}`,
      `${fmt(r.dbLatencyMs.p50)} / ${fmt(r.dbLatencyMs.p99)}`,
      `${fmt(r.rss.before)} → ${fmt(r.rss.during)}`,
      fmt(r.rss.perChannel),
      r.slowestStartMs === undefined ? '' : (r.slowestStartMs / 1000).toFixed(1),
    ];
    return {
      baseline: `1 channel in the same run (latency and memory figures are compared with it)`,
      tables: [
        {
          caption: 'Detection and tracking',
          columns: [...columns, 'extra MB per channel vs N=1'],
          rows: results.map((r) => [
            ...row(r),
            one && r.channels > 1 ? fmt((r.rss.during - one.rss.during) / (r.channels - 1)) : '',
          ]),
        },
        ...(withFaces.length
          ? [
              {
                caption: 'With Re-ID and gender/age on every channel',
                columns: [...columns, 'face results with identity / age'],
                rows: withFaces.map((r) => [...row(r), `${r.withIdentity ?? 0} / ${r.withAge ?? 0}`]),
              },
            ]
          : []),
      ],
      notes: [
        `Largest N with 0 drops once every channel is live (from one second after the last channel's first ` +
          `frame) and ${FPS} FPS on every channel (>= ${KEEP_UP * 100} % ` +
          `of the paced rate, counted per channel from one second after its first frame to the end of the ` +
          `steady window): **${largest}** ` +
          `(of ${results.map((r) => r.channels).join(', ')} tried; target >= 10)` +
          (withFaces.length
            ? `; with Re-ID and gender/age on: **${largestOf(withFaces)}** (of ` +
              `${withFaces.map((r) => r.channels).join(', ')} tried; embed and classify pools of 1 worker each, ` +
              `full frames every 5th frame for the face crops).`
            : '.'),
        `${results[0]?.seconds ? Math.round(results[0].seconds) : '?'} s per N, each N in a fresh process; channels ` +
          `alternate Megamind.avi (720x528) and vtest.avi (768x576), looped, the channel default detector (BlazeFace back; ` +
          `RXVISION_BENCH_VARIANT to change), shared detect pool of ${DETECT_WORKERS} workers, default frame buffer, detections written to ` +
          `${results[0]?.database === 'postgres' ? 'PostgreSQL (throwaway database)' : 'PGlite (memory)'} by the ` +
          'batched sink (200 rows / 500 ms).',
        'Past the knee every channel still decodes 25 frames/s and the buffers drop what detection cannot take, ' +
          'so the total delivered falls below the as-fast-as-possible figure of the throughput benchmark.',
        'Latency: capture = the frame read from the decoder (Frame.capturedAt); result = the tracked result leaving ' +
          'the channel; DB row = `written_at` (clock_timestamp() at insert) of the detection rows, so it includes ' +
          `the sink's batching window. Frames of the first ${WARMUP_MS} ms are left out. Dropped: from one second after the ` +
          'last channel went live; in brackets from the first warm-up second, and over the whole run.',
        one
          ? `Memory per channel = (median RSS in the second half of the run - RSS after start-up) / N; 1 channel: ` +
            `${fmt(one.rss.perChannel)} MB.`
          : 'Memory per channel = (median RSS in the second half - RSS after start-up) / N.',
      ],
      data: results,
    };
  },
};
