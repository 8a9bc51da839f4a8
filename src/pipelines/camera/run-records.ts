/**
 * Run bookkeeping of `pipeline camera` in the database: the `pipeline_runs` row of a run (opened when it
 * starts, closed with its outcome and totals) and the `channels` rows of its channels.
 */
import type { Kysely } from 'kysely';
import type { ChannelConfig } from '../../config/schema/channel';
import { jsonb } from '../../db/json';
import type { DB, JsonObject, PipelineRunStatus } from '../../db/types';
import { writeRows, type ConflictTarget } from '../../db/write';
import { parseSource } from './sources/source-uri';

/** A channel row updates its source, config and time when the channel id exists. */
const CHANNEL_CONFLICT: ConflictTarget<DB, 'channels'> = {
  columns: ['id'],
  update: ['source', 'config', 'updated_at'],
};

/** The `channels` row of a channel: its source with credentials redacted, and the settings it ran with. */
export function channelRow(channel: ChannelConfig, now: Date) {
  const config = { detector: channel.detector, tracker: channel.tracker, pace: channel.pace ?? null };
  return {
    id: channel.id,
    source: parseSource(channel.source).display,
    config: jsonb(config as unknown as JsonObject),
    updated_at: now,
  };
}

/**
 * Opens a camera run: inserts its `pipeline_runs` row (with the cluster node that runs it, if any) and
 * upserts the rows of its channels. Returns the run id.
 */
export async function startCameraRun(
  db: Kysely<DB>,
  configFile: string | undefined,
  channels: readonly ChannelConfig[],
  nodeId?: string,
): Promise<number> {
  const run = await db
    .insertInto('pipeline_runs')
    .values({ kind: 'camera', config_file: configFile ?? null, node_id: nodeId ?? null })
    .returning('id')
    .executeTakeFirstOrThrow();
  const now = new Date();
  await writeRows(
    db,
    'channels',
    channels.map((c) => channelRow(c, now)),
    { conflict: CHANNEL_CONFLICT },
  );
  return Number(run.id);
}

/** How a run ended: stopped by a signal, with a failed channel, or fine. */
export function runOutcome(interrupted: boolean, channelStates: readonly string[]): PipelineRunStatus {
  if (interrupted) return 'interrupted';
  return channelStates.includes('failed') ? 'failed' : 'succeeded';
}

/** Closes a run: its end time, outcome and totals (`stats`, any JSON-serialisable object). */
export async function finishCameraRun(
  db: Kysely<DB>,
  runId: number,
  status: PipelineRunStatus,
  stats: object,
): Promise<void> {
  await db
    .updateTable('pipeline_runs')
    .set({ ended_at: new Date(), status, stats: jsonb(stats as JsonObject) })
    .where('id', '=', runId)
    .execute();
}
