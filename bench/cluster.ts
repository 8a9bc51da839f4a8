/**
 * Overhead of cluster mode: the same channels run by one process with and without `--cluster` (a
 * one-node cluster: leases, heartbeats, status every second), alternating A B A B in one process on one
 * PostgreSQL database. Measured from each run's first result to its end: frames per second and CPU
 * seconds of the process per frame. `npm run bench -- --only cluster` or `node dist/bench/cluster.js`.
 */
import { parseConfig } from '../src/config';
import { openDatabase } from '../src/db';
import { runChannels } from '../src/pipelines/camera/run-channels';
import { closeAllPools } from '../src/pools/registry';
import { assetPath } from '../src/assets';
import { createThrowawayDatabase } from './lib/postgres';
import { cpuSeconds, fmt, percent } from './lib/measure';
import { runStandalone } from './lib/standalone';
import type { BenchDefinition, CaseContext } from './lib/types';

const CHANNELS = 4;

interface ModeRun {
  mode: 'single' | 'cluster';
  frames: number;
  seconds: number;
  cpuSeconds: number;
}

async function runCase(ctx: CaseContext): Promise<ModeRun[]> {
  // A duration, not --frames: in cluster mode a node keeps holding a channel that ended (so it is not re-run elsewhere).
  const durationMs = ctx.quick ? 10_000 : 25_000;
  const rounds = ctx.quick ? 1 : 2;
  const throwaway = await createThrowawayDatabase('cluster');
  const runs: ModeRun[] = [];
  try {
    const database = await openDatabase({ url: throwaway.url });
    await database.migrate();
    const config = parseConfig(
      {
        database: { url: throwaway.url },
        cluster: { heartbeatMs: 1000 },
        channels: Array.from({ length: CHANNELS }, (_, i) => ({
          id: `cam${i + 1}`,
          source: assetPath('samples', 'Megamind.avi'),
          loop: true,
          pace: 'asap',
        })),
      },
      'bench/cluster',
    );
    for (let round = 0; round < rounds; round++) {
      for (const mode of ['single', 'cluster'] as const) {
        let first: { t: number; cpu: number } | undefined;
        let seen = 0;
        const summary = await runChannels(config, {
          output: { type: 'database', db: database },
          durationMs,
          cluster: mode === 'cluster',
          spoolDir: `/tmp/rxvision-bench-cluster-spool-${process.pid}`,
          onResult: () => {
            seen++;
            first ??= { t: performance.now(), cpu: cpuSeconds().self };
          },
        });
        const run: ModeRun = {
          mode,
          frames: seen - 1,
          seconds: (performance.now() - first!.t) / 1000,
          cpuSeconds: cpuSeconds().self - first!.cpu,
        };
        runs.push(run);
        ctx.progress(
          `${mode}: ${run.frames} frames in ${fmt(run.seconds)} s, ${fmt((run.cpuSeconds * 1000) / run.frames)} CPU ms/frame (run ${summary.runId})`,
        );
      }
    }
    await database.close();
  } finally {
    await closeAllPools({ drainMs: 1000 });
    await throwaway.drop();
  }
  return runs;
}

/** Totals of one mode over its rounds. */
function totals(runs: ModeRun[], mode: ModeRun['mode']) {
  const mine = runs.filter((r) => r.mode === mode);
  const frames = mine.reduce((n, r) => n + r.frames, 0);
  const seconds = mine.reduce((n, r) => n + r.seconds, 0);
  const cpu = mine.reduce((n, r) => n + r.cpuSeconds, 0);
  return { fps: frames / seconds, cpuMsPerFrame: (cpu * 1000) / frames, frames };
}

export const clusterBench: BenchDefinition = {
  name: 'cluster',
  title: 'Cluster mode overhead: one process with and without --cluster on the same channels',
  optIn: true,
  caseTimeoutMs: () => 900_000,
  runCase: (_id, ctx) => runCase(ctx),
  summarize(data) {
    const runs = data.main as ModeRun[];
    const single = totals(runs, 'single');
    const cluster = totals(runs, 'cluster');
    return {
      baseline: 'the same channels in the same process without cluster mode, alternating runs',
      tables: [
        {
          columns: ['mode', 'frames', 'frames/s', 'CPU ms/frame', 'throughput vs single', 'CPU vs single'],
          rows: [
            ['single process', single.frames, fmt(single.fps), fmt(single.cpuMsPerFrame), '-', '-'],
            [
              'cluster (1 node)',
              cluster.frames,
              fmt(cluster.fps),
              fmt(cluster.cpuMsPerFrame),
              percent(cluster.fps, single.fps),
              percent(cluster.cpuMsPerFrame, single.cpuMsPerFrame),
            ],
          ],
        },
      ],
      notes: [
        `${CHANNELS} looping Megamind.avi channels read as fast as possible for 25 s (quick 10 s) per run, 2 rounds of each mode (quick 1), default detector, rows to PostgreSQL in both modes; ` +
          "measured from each run's first result to its end (the cluster's first lease comes one heartbeat after the start, " +
          'which is start-up, not overhead). CPU is the process (all threads); FFmpeg decoders are the same in both modes.',
      ],
      data: runs,
    };
  },
};

if (require.main === module) {
  runStandalone(clusterBench, async (ctx) => ({ main: await runCase(ctx) }));
}
