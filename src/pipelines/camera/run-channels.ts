/**
 * Runs every enabled channel of a config in one process: one shared `detect` pool, one set of batched
 * sinks (database or JSON Lines), status events, a TTY status line, and graceful stop. One channel's
 * failure never stops the others.
 */
import path from 'node:path';
import { Observable, Subject, finalize, lastValueFrom, merge, share, takeUntil, tap } from 'rxjs';
import {
  assertClusterCanRun,
  clusterNodeFor,
  clusterSettings,
  nodeIdOf,
  type ClusterNodeSetup,
} from '../../cluster/setup';
import { runWhileLeased } from '../../cluster/lease-runs';
import { shareClusterIdentities, type SharedIdentities } from './reid/cluster-identities';
import type { RxvisionConfig } from '../../config';
import type { ChannelConfig } from '../../config/schema/channel';
import { openDatabase } from '../../db';
import { toTransferable } from '../../pools/transfer';
import { logger } from '../../util/logger';
import type { DetectFn } from './channel';
import { detectorKey } from '../../kernels/detectors';
import type { Frame } from '../../kernels/frame';
import { channelResults, type RunContext } from './channel-hooks';
import { pendingSummary, type ChannelSummary } from './channel-summary';
import { cameraRows, countRows, emptyRowCounts, type RowCounts } from './run-rows';
import { usesFaceCrops } from './face-stages';
import type { RunChannelsOptions, RunChannelsSummary } from './run-options';
import { wireStop } from './run-stop';
import { warmPools } from './warm-pools';
import { detectPoolFor } from './detect-pool';
import type { ChannelStatusEvent } from './sources/frame-source';
import { cameraRowSinks } from './row-sinks';
import { finishCameraRun, runOutcome, startCameraRun } from './run-records';
import {
  createFaceAnalysis,
  faceCropRequest,
  loadIdentities,
  narrowCropRequest,
  type CropDemand,
  type FaceAnalysis,
} from './reid/face-analysis';

export type {
  ChannelOutput,
  RunChannelsOptions,
  RunChannelsSummary,
  RunDisplay,
  RunStarted,
} from './run-options';
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
  const pool = detectPoolFor(channel);
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
  const clustered = options.cluster ?? config.cluster?.enabled ?? false;
  if (clustered) assertClusterCanRun(config, output.type); // before anything starts
  const nodeId = clustered ? nodeIdOf(config) : undefined;
  let cluster: ClusterNodeSetup | undefined;
  let sharedIdentities: SharedIdentities | undefined;
  const ownsDb = output.type === 'database' && !output.db;
  const warm = options.detect ? undefined : warmPools(channels, log); // meanwhile the database opens
  const database =
    output.type === 'database' ? (output.db ?? (await openDatabase(config.database))) : undefined;
  const abort = new AbortController();
  const summaries = new Map<string, ChannelSummary>(channels.map((c) => [c.id, pendingSummary(c.id)]));
  const status$ = new Subject<ChannelStatusEvent>();
  let runId = 0;
  let databaseId: string | undefined;
  let unhookStop: (() => void) | undefined;
  const statusLine = options.statusLine ? options.statusLine(summaries) : undefined;

  try {
    if (database) {
      await database.migrate();
      databaseId = await database.id();
      runId = await startCameraRun(database.db, options.configFile, channels, nodeId);
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

    await warm;
    unhookStop = wireStop(abort, options, status$);

    options.onStart?.({ runId, channels: summaries, database });
    const context: RunContext = { options, faces, poolDetect, signal: abort.signal, status$, log };
    if (nodeId) {
      cluster = clusterNodeFor(config, {
        runId,
        nodeId,
        channels: channels.map((c) => c.id),
        stateOf: (id) => summaries.get(id)?.state ?? 'pending',
        log,
      });
      log.info({ node: nodeId, namespace: cluster.namespace }, `cluster: node ${nodeId} joining`);
      if (faces && database) {
        sharedIdentities = await shareClusterIdentities({
          url: config.database!.url!,
          nodeId,
          database,
          faces,
          refreshMs: clusterSettings(config).identityRefreshMs,
          log,
        });
      }
    }
    const results$ = (
      cluster
        ? leasedChannels(cluster, channels, summaries, context)
        : merge(...channels.map((c) => channelResults(c, summaries.get(c.id)!, context)))
    ).pipe(
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
    const sinkOf = cameraRowSinks(
      output.type === 'jsonl'
        ? output
        : {
            type: 'database',
            db: database!.db,
            spoolDir,
            databaseId,
            spoolMaxBytes: config.database?.spoolMaxBytes,
          },
      options.shutdown,
    );

    // Status rows first: merge subscribes in order, and the sources report 'connecting' as they start.
    const written = merge(
      statusRows$.pipe(sinkOf('channel_status_events'), count('statusEvents')),
      detections$.pipe(sinkOf('detections'), count('detections')),
      tracks$.pipe(sinkOf('tracks'), count('tracks')),
      ...(faces
        ? [
            faces.identityRows$.pipe(
              sinkOf('identities'),
              count('identities'),
              tap((ack) => (ack.spooled ? undefined : sharedIdentities?.announce())),
            ),
            faces.sightingRows$.pipe(sinkOf('identity_sightings'), count('sightings')),
          ]
        : []),
    );
    statusLine?.start();
    await lastValueFrom(written, { defaultValue: undefined });
    unhookStop();

    const summary: RunChannelsSummary = {
      runId,
      ...(nodeId ? { nodeId } : {}),
      channels: [...summaries.values()],
      rows,
      elapsedMs: Date.now() - started,
    };
    if (database) {
      const interrupted = abort.signal.aborted && options.shutdown?.stopping === true;
      const status = runOutcome(
        interrupted,
        summary.channels.map((c) => c.state),
      );
      await finishCameraRun(database.db, runId, status, { channels: summary.channels, rows });
    }
    return summary;
  } finally {
    statusLine?.stop();
    unhookStop?.();
    // After the sinks flushed: closing the lock connection frees the channels for the other nodes.
    await cluster?.leases.close();
    await sharedIdentities?.close();
    if (ownsDb) await database?.close();
  }
}

/** Emits once when `signal` aborts (at once when it already has). */
function aborted(signal: AbortSignal): Observable<void> {
  return new Observable<void>((subscriber) => {
    const fire = () => subscriber.next();
    if (signal.aborted) fire();
    else signal.addEventListener('abort', fire, { once: true });
    return () => signal.removeEventListener('abort', fire);
  });
}

/**
 * Cluster mode: the channels this node leases, each run while it holds it (stopped when released, with
 * its own signal) until the run stops; lease changes end with the run's stop signal.
 */
function leasedChannels(
  cluster: ClusterNodeSetup,
  channels: readonly ChannelConfig[],
  summaries: ReadonlyMap<string, ChannelSummary>,
  context: RunContext,
) {
  const byId = new Map(channels.map((c) => [c.id, c]));
  return cluster.leases.owned$.pipe(
    takeUntil(aborted(context.signal)),
    runWhileLeased(
      (id, released) =>
        channelResults(byId.get(id)!, summaries.get(id)!, {
          ...context,
          signal: AbortSignal.any([context.signal, released]),
        }),
      (id) => cluster.leases.ended(id),
    ),
  );
}
