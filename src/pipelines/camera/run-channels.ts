/**
 * Runs every enabled channel of a config in one process: one shared `detect` pool, one set of batched
 * sinks (database or JSON Lines), status events, a TTY status line, and graceful stop. One channel's
 * failure never stops the others.
 */
import path from 'node:path';
import { Subject, finalize, lastValueFrom, merge, share } from 'rxjs';
import type { RxvisionConfig } from '../../config';
import type { ChannelConfig } from '../../config/schema/channel';
import { openDatabase } from '../../db';
import { getPool } from '../../pools/registry';
import { toTransferable } from '../../pools/transfer';
import { jsonlSink } from '../../sinks/jsonl';
import { kyselySink } from '../../sinks/kysely';
import { logger } from '../../util/logger';
import { workerPath } from '../../util/paths';
import type { DetectApi } from '../../../workers/detect';
import type { DetectFn } from './channel';
import { detectorKey } from '../../kernels/detectors';
import type { Frame } from '../../kernels/frame';
import { channelResults, type RunContext } from './channel-hooks';
import { pendingSummary, type ChannelSummary } from './channel-summary';
import { cameraRows, countRows, emptyRowCounts, type RowCounts } from './run-rows';
import { usesFaceCrops } from './face-stages';
import type { RunChannelsOptions, RunChannelsSummary } from './run-options';
import { wireStop } from './run-stop';
import type { ChannelStatusEvent } from './sources/frame-source';
import { parseSource } from './sources/source-uri';
import { createStatusLine } from '../../cli/display/status-line';
import {
  createFaceAnalysis,
  faceCropRequest,
  loadIdentities,
  narrowCropRequest,
  type CropDemand,
  type FaceAnalysis,
} from './reid/face-analysis';

export type { ChannelOutput, RunChannelsOptions, RunChannelsSummary, RunStarted } from './run-options';
export type { ChannelSummary } from './channel-summary';

/**
 * The detect function backed by the shared `detect` pool (frames are transferred, not copied). With
 * `cropDemand`, crops are cut only for the stages that want them now, and a full frame goes to the worker
 * only when crops are wanted or the detector has no resized input.
 */
export function poolDetect(channel: ChannelConfig, cropDemand?: () => CropDemand): DetectFn {
  const key = detectorKey(channel.detector);
  // Re-ID / gender-age need face crops cut in the worker (the frame does not come back from it).
  const crops = faceCropRequest(channel);
  const pool = getPool<DetectApi>('detect', { worker: workerPath('detect') });
  const detect: DetectFn = (frame: Frame) => {
    const request = crops && cropDemand ? narrowCropRequest(crops, cropDemand()) : (crops ?? null);
    const full = frame.data && (request || !frame.resized) ? toTransferable(frame.data) : null;
    const small = frame.resized ? toTransferable(frame.resized.data) : undefined;
    const resized = frame.resized && small ? { ...frame.resized, data: small } : null;
    return pool.run('detect', [key, frame.width, frame.height, full, request, resized], {
      transfer: [full, small].filter((b): b is ArrayBuffer => b !== null && b !== undefined),
      identity: `${frame.channel}#${frame.seq}`,
    });
  };
  detect.inputLayout = async () => (await pool.run('inputLayout', [key])) ?? undefined;
  return detect;
}

/** Runs the enabled channels of `config` until their sources end, `durationMs` passes or a stop signal. */
export async function runChannels(
  config: RxvisionConfig,
  options: RunChannelsOptions = {},
): Promise<RunChannelsSummary> {
  const log = options.log ?? logger();
  const channels = (config.channels ?? []).filter((c) => c.enabled);
  const started = Date.now();
  const output = options.output ?? { type: 'database' };
  const ownsDb = output.type === 'database' && !output.db;
  const database =
    output.type === 'database' ? (output.db ?? (await openDatabase(config.database))) : undefined;
  const abort = new AbortController();
  const summaries = new Map<string, ChannelSummary>(channels.map((c) => [c.id, pendingSummary(c.id)]));
  const status$ = new Subject<ChannelStatusEvent>();
  let runId = 0;
  let unhookStop: (() => void) | undefined;
  const statusLine = createStatusLine({
    enabled: options.statusLine ?? process.stderr.isTTY === true,
    summaries,
  });

  try {
    if (database) {
      await database.migrate();
      const run = await database.db
        .insertInto('pipeline_runs')
        .values({ kind: 'camera', config_file: options.configFile ?? null })
        .returning('id')
        .executeTakeFirstOrThrow();
      runId = Number(run.id);
      for (const c of channels) {
        const source = parseSource(c.source).display;
        const cfg = JSON.stringify({ detector: c.detector, tracker: c.tracker, pace: c.pace ?? null });
        await database.db
          .insertInto('channels')
          .values({ id: c.id, source, config: cfg as never })
          .onConflict((oc) =>
            oc.column('id').doUpdateSet({ source, config: cfg as never, updated_at: new Date() }),
          )
          .execute();
      }
    }

    // Re-ID and gender/age when any channel asks for them: one gallery, one classify queue for all.
    let faces: FaceAnalysis | undefined;
    if (channels.some(usesFaceCrops)) {
      faces = createFaceAnalysis(config, {
        identities: database ? await loadIdentities(database) : [],
        runId: () => runId,
        log,
      });
    }

    unhookStop = wireStop(abort, options);

    options.onStart?.({ runId, channels: summaries, database });
    const context: RunContext = { options, faces, poolDetect, signal: abort.signal, status$, log };
    const results$ = merge(...channels.map((c) => channelResults(c, summaries.get(c.id)!, context))).pipe(
      finalize(() => {
        status$.complete();
        faces?.complete();
      }),
      share(),
    );

    const rows = emptyRowCounts();
    const count = (key: Exclude<keyof RowCounts, 'spooled'>) => countRows(rows, key);
    const { detections$, tracks$, statusRows$ } = cameraRows(results$, status$, channels, {
      id: runId,
      stored: database !== undefined,
    });

    const spoolDir = options.spoolDir ?? path.resolve('data', 'spool');
    const sinkOf = <Row extends object>(table: string, conflict?: { columns: string[]; update: string[] }) =>
      output.type === 'jsonl'
        ? jsonlSink<Row>(path.join(output.dir, `${table}.jsonl`), { shutdown: options.shutdown })
        : kyselySink<Row>(database!.db, {
            table,
            batchSize: 200,
            flushMs: 500,
            spool: { dir: spoolDir },
            shutdown: options.shutdown,
            conflict: conflict
              ? { columns: conflict.columns, action: { update: conflict.update } }
              : undefined,
          });

    // Status rows first: merge subscribes in order, and the sources report 'connecting' as they start.
    const written = merge(
      statusRows$.pipe(sinkOf('channel_status_events'), count('statusEvents')),
      detections$.pipe(sinkOf('detections'), count('detections')),
      tracks$.pipe(
        sinkOf('tracks', {
          columns: ['run_id', 'channel_id', 'track_id'],
          update: [
            'state',
            'ended_at',
            'last_frame',
            'frames',
            'best_x1',
            'best_y1',
            'best_x2',
            'best_y2',
            'best_score',
            'attributes',
            'identity_id',
          ],
        }),
        count('tracks'),
      ),
      ...(faces
        ? [
            faces.identityRows$.pipe(
              sinkOf('identities', {
                columns: ['id'],
                update: ['embedding', 'samples', 'attributes', 'last_seen_at', 'last_channel_id'],
              }),
              count('identities'),
            ),
            faces.sightingRows$.pipe(
              sinkOf('identity_sightings', {
                columns: ['run_id', 'channel_id', 'track_id'],
                update: ['identity_id', 'last_seen', 'similarity', 'samples'],
              }),
              count('sightings'),
            ),
          ]
        : []),
    );
    statusLine.start();
    await lastValueFrom(written, { defaultValue: undefined });
    unhookStop();

    const summary: RunChannelsSummary = {
      runId,
      channels: [...summaries.values()],
      rows,
      elapsedMs: Date.now() - started,
    };
    if (database) {
      const anyFailed = summary.channels.some((c) => c.state === 'failed');
      await database.db
        .updateTable('pipeline_runs')
        .set({
          ended_at: new Date(),
          status:
            abort.signal.aborted && options.shutdown?.stopping
              ? 'interrupted'
              : anyFailed
                ? 'failed'
                : 'succeeded',
          stats: JSON.stringify({ channels: summary.channels, rows }) as never,
        })
        .where('id', '=', runId)
        .execute();
    }
    return summary;
  } finally {
    statusLine.stop();
    unhookStop?.();
    if (ownsDb) await database?.close();
  }
}
