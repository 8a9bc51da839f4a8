/**
 * Runs every enabled channel of a config in one process: one shared `detect` pool, one set of batched
 * sinks (database or JSON Lines), status events, a TTY status line, and graceful stop. One channel's
 * failure never stops the others.
 */
import path from 'node:path';
import {
  EMPTY,
  Subject,
  catchError,
  concatMap,
  finalize,
  lastValueFrom,
  merge,
  share,
  tap,
  type Observable,
  type OperatorFunction,
} from 'rxjs';
import type { RxvisionConfig } from '../../config';
import type { ChannelConfig } from '../../config/schema/channel';
import { openDatabase, type Database } from '../../db';
import { getPool } from '../../pools/registry';
import { toTransferable } from '../../pools/transfer';
import type { Shutdown } from '../../runtime/shutdown';
import { jsonlSink } from '../../sinks/jsonl';
import { kyselySink } from '../../sinks/kysely';
import type { SinkAck } from '../../sinks/types';
import { logger, type Logger } from '../../util/logger';
import { workerPath } from '../../util/paths';
import type { DetectApi } from '../../../workers/detect';
import { createChannel, type DetectFn, type FrameResult } from './channel';
import { detectorKey } from '../../kernels/detectors';
import type { Frame } from '../../kernels/frame';
import { detectionRows, statusRow, trackRows } from './records';
import type { ChannelStatusEvent } from './sources/frame-source';
import { parseSource } from './sources/source-uri';
import { anyWantsPixels, type ChannelWantsPixels } from './sources/wants-pixels';
import { usesFaceCrops } from './face-stages';
import { createStatusLine } from '../../cli/display/status-line';
import {
  createFaceAnalysis,
  faceCropRequest,
  loadIdentities,
  narrowCropRequest,
  type CropDemand,
  type FaceAnalysis,
} from './reid/face-analysis';

/** Where the results go. */
export type ChannelOutput = { type: 'database'; db?: Database } | { type: 'jsonl'; dir: string };

export interface RunChannelsOptions {
  /** The config file the run came from (stored with the run). */
  configFile?: string;
  output?: ChannelOutput;
  /** Stop each channel after this many frames (the CLI's --frames). */
  maxFrames?: number;
  /** Stop every channel after this long (the CLI's --duration). */
  durationMs?: number;
  /** Graceful stop: sources stop on its first signal, sinks flush before the process exits. */
  shutdown?: Shutdown;
  /** Draw a status line per channel (defaults to stderr being a TTY). */
  statusLine?: boolean;
  /** Extension stages per channel (Re-ID, gender/age...). */
  stages?: (channel: ChannelConfig) => Array<OperatorFunction<FrameResult, FrameResult>>;
  /** Detection function (default: the shared `detect` worker pool). */
  detect?: (channel: ChannelConfig) => DetectFn;
  /** Results of every channel as they are produced (library users, the live view). */
  onResult?: (result: FrameResult) => void;
  /** Each frame just before detection (see `ChannelDeps.tapFrame`; the live view copies pixels here). */
  tapFrame?: (frame: Frame) => void;
  /**
   * With `tapFrame`: whether it wants a channel's pixels now (the live view: someone watches the channel).
   * Periodic full frames nobody wants are skipped at the decoder. Default: always.
   */
  wantsPixels?: ChannelWantsPixels;
  /** Source lifecycle events of every channel (the live view's event log). */
  onStatus?: (event: ChannelStatusEvent) => void;
  /** Called once the run is set up, before frames flow: its id, live per-channel totals, the database. */
  onStart?: (run: RunStarted) => void;
  /** Spool directory for rows while the database is unreachable (default ./data/spool). */
  spoolDir?: string;
  log?: Logger;
}

/** Per-channel totals of a run. */
export interface ChannelSummary {
  id: string;
  frames: number;
  dropped: number;
  failedFrames: number;
  faces: number;
  tracks: number;
  state: string;
  error?: string;
}

/** What `onStart` gets: the per-channel totals are updated in place as the run goes on. */
export interface RunStarted {
  runId: number;
  channels: ReadonlyMap<string, Readonly<ChannelSummary>>;
  database?: Database;
}

export interface RunChannelsSummary {
  runId: number;
  channels: ChannelSummary[];
  rows: {
    detections: number;
    tracks: number;
    statusEvents: number;
    spooled: number;
    identities: number;
    sightings: number;
  };
  elapsedMs: number;
}

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
  const summaries = new Map<string, ChannelSummary>(
    channels.map((c) => [
      c.id,
      { id: c.id, frames: 0, dropped: 0, failedFrames: 0, faces: 0, tracks: 0, state: 'pending' },
    ]),
  );
  const status$ = new Subject<ChannelStatusEvent>();
  let runId = 0;
  let durationTimer: NodeJS.Timeout | undefined;
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
    if (channels.some((c) => c.reid?.enabled || c.demographics?.enabled)) {
      faces = createFaceAnalysis(config, {
        identities: database ? await loadIdentities(database) : [],
        runId: () => runId,
        log,
      });
    }

    const stopSubscription = options.shutdown?.shutdown$.subscribe(() => abort.abort());
    if (options.durationMs) durationTimer = setTimeout(() => abort.abort(), options.durationMs);

    options.onStart?.({ runId, channels: summaries, database });
    const tapWants = options.tapFrame ? (options.wantsPixels ?? (() => true)) : undefined;
    const results$ = merge(
      ...channels.map((c) => {
        const summary = summaries.get(c.id)!;
        const demand = faces ? () => faces!.cropDemand(c.id) : undefined;
        const detect = options.detect?.(c) ?? poolDetect(c, demand);
        return createChannel(c, {
          detect,
          signal: abort.signal,
          maxFrames: options.maxFrames,
          wantsPixels: anyWantsPixels(
            faces && usesFaceCrops(c) ? () => faces!.wantsPixels(c.id) : undefined,
            tapWants && (() => tapWants(c.id)),
          ),
          stages: [...(options.stages?.(c) ?? []), ...[faces?.stage(c)].filter((s) => s !== undefined)],
          tapFrame: options.tapFrame,
          onStatus: (e) => {
            summary.state = e.state;
            log[e.state === 'failed' || e.state === 'stalled' ? 'warn' : 'info'](
              { channel: e.channel, state: e.state, detail: e.detail },
              `channel ${e.channel}: ${e.state}`,
            );
            status$.next(e);
            options.onStatus?.(e);
          },
          onDrop: () => summary.dropped++,
          onFrameError: (err) => {
            summary.failedFrames++;
            log.warn({ channel: c.id, err: err.message }, 'frame skipped');
          },
        }).pipe(
          tap((r) => {
            options.onResult?.(r);
            if (r.endOfStream) return;
            summary.frames++;
            summary.faces += r.detections.length;
            summary.tracks += r.tracking.events.filter((e) => e.type === 'confirmed').length;
          }),
          catchError((err: Error) => {
            summary.state = 'failed';
            summary.error = err.message;
            log.error({ channel: c.id, err: err.message }, `channel ${c.id} failed; the others go on`);
            return EMPTY;
          }),
        );
      }),
    ).pipe(
      finalize(() => {
        status$.complete();
        faces?.complete();
      }),
      share(),
    );

    const rows = { detections: 0, tracks: 0, statusEvents: 0, spooled: 0, identities: 0, sightings: 0 };
    const count = (key: keyof typeof rows) => (acks: Observable<SinkAck>) =>
      acks.pipe(
        tap((a) => {
          rows[key] += a.rows;
          if (a.spooled && !a.replayed) rows.spooled += a.rows;
        }),
      );
    const channelById = new Map(channels.map((c) => [c.id, c]));
    const detections$ = results$.pipe(
      concatMap((r) => detectionRows(runId, r, channelById.get(r.channel)!.detections)),
    );
    const tracks$ = results$.pipe(
      concatMap((r) => trackRows(runId, r, channelById.get(r.channel)!.tracker.minHits)),
    );
    const statusRows$ = status$.pipe(concatMap((e) => [statusRow(database ? runId : null, e)]));

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
    stopSubscription?.unsubscribe();

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
    if (durationTimer) clearTimeout(durationTimer);
    if (ownsDb) await database?.close();
  }
}
