/**
 * Starts the worker pools a run's channels need and opens their models before the first frame: the detect
 * workers (each detector of the run, in the pool that runs it: see detect-pool.ts), and the embed/classify workers when a channel runs Re-ID or gender/age
 * (otherwise these start on the first face, seconds into the run, and frames pile up meanwhile).
 */
import type { ChannelConfig } from '../../config/schema/channel';
import { detectorKey } from '../../kernels/detectors';
import { classifyPool, embedPool, type DetectApi } from '../../pools/kinds';
import type { WorkerPool } from '../../pools/pool';
import type { Logger } from '../../util/logger';
import { detectPoolFor } from './detect-pool';
import { faceStagesOf } from './face-stages';

/** Runs `call` once per worker of a pool (concurrently, so each worker takes one) and ignores failures. */
async function everyWorker(size: number, call: () => Promise<unknown>): Promise<unknown> {
  return Promise.all(Array.from({ length: size }, () => call()));
}

/**
 * Warms the pools of `channels` (see the file header). Failures are logged at debug level only: the same
 * error shows up, with its context, when the channel uses the pool.
 */
export async function warmPools(channels: readonly ChannelConfig[], log?: Logger): Promise<void> {
  if (channels.length === 0) return;
  const unique = <T>(items: T[]) => [...new Map(items.map((i) => [JSON.stringify(i), i])).values()];
  const jobs: Array<Promise<unknown>> = [];
  // Each detector is warmed in the pool that will run it (Haar: its process pool; others: detect threads).
  const detectors = new Map<WorkerPool<DetectApi>, string[]>();
  for (const channel of channels) {
    const pool = detectPoolFor(channel);
    detectors.set(pool, unique([...(detectors.get(pool) ?? []), detectorKey(channel.detector)]));
  }
  for (const [pool, keys] of detectors) {
    for (const key of keys) jobs.push(everyWorker(pool.size, () => pool.run('inputLayout', [key])));
  }
  const stages = channels.map(faceStagesOf);
  const embedders = unique(stages.flatMap((s) => (s.reid ? [s.reid.model] : [])));
  const classifiers = unique(stages.flatMap((s) => (s.demographics ? [s.demographics.model] : [])));
  if (embedders.length > 0) {
    const pool = embedPool();
    for (const model of embedders) jobs.push(everyWorker(pool.size, () => pool.run('embed', [model, []])));
  }
  if (classifiers.length > 0) {
    const pool = classifyPool();
    for (const model of classifiers)
      jobs.push(everyWorker(pool.size, () => pool.run('classify', [model, []])));
  }
  await Promise.all(
    jobs.map((job) => job.catch((err: Error) => log?.debug({ err: err.message }, 'pool warm-up failed'))),
  );
}
