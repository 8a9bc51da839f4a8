/**
 * rxvision: camera face analytics and image deduplication as RxJS pipelines.
 *
 * The package root holds what a library user composes pipelines with. More specialised pieces live on
 * the sub-entry points: `rxvision/operators` (demand plumbing, stage statistics), `rxvision/pools`
 * (worker-side helpers, sizing), `rxvision/sinks` (row helpers, console sink), `rxvision/camera`
 * (sources, detectors, tracker, records), `rxvision/dedup` (reports, actions, progress, cluster jobs and workers) and
 * `rxvision/web` (board, live view, server).
 */

// Operators: backpressure-aware building blocks.
export {
  batch,
  boundedBuffer,
  inPool,
  meter,
  metered,
  priorityQueue,
  pullFrom,
  BufferOverflowError,
  StageItemError,
  type BatchOptions,
  type BoundedBufferOptions,
  type BufferPolicy,
  type ErrorPolicy,
  type InPoolOptions,
  type MeterOptions,
  type PriorityQueueOptions,
  type PullFromOptions,
  type PullInput,
  type ReadFn,
} from './operators';

// Worker pools.
export {
  autoConfigure,
  closeAllPools,
  configurePools,
  createPool,
  getPool,
  PoolClosedError,
  PoolQueueFullError,
  TaskError,
  type AutoConfig,
  type PoolOptions,
  type WorkerApi,
  type WorkerPool,
} from './pools';

// Sinks.
export {
  jsonlSink,
  kyselySink,
  SinkWriteError,
  type JsonlSinkOptions,
  type KyselySinkOptions,
  type SinkAck,
} from './sinks';

// Configuration: loading, validation, schemas.
export {
  ConfigError,
  channelSchema,
  dedupJobSchema,
  formatIssue,
  loadConfig,
  parseConfig,
  rxvisionConfigSchema,
  validateConfigFile,
  webSchema,
  type ChannelConfig,
  type ConfigIssue,
  type DedupJobConfig,
  type RxvisionConfig,
  type WebConfig,
} from './config';
export { detectorConfigSchema, type DetectorConfig } from './config/schema/detector';
export { dedupSettingsSchema, type DedupSettings } from './config/schema/dedup-settings';

// Database and assets.
export { openDatabase, DatabaseError, type Database, type DB } from './db';
export { assetPath, fetchAssets, AssetFetchError, AssetMissingError, type AssetId } from './assets';

// Camera pipeline.
export {
  createChannel,
  createFaceAnalysis,
  poolDetect,
  runChannels,
  type ChannelDeps,
  type ChannelSummary,
  type FaceAnalysis,
  type Frame,
  type FrameResult,
  type RunChannelsOptions,
  type RunChannelsSummary,
} from './pipelines/camera';

// Dedup pipeline.
export {
  runConfigDedupJobs,
  runDedupJob,
  undoActions,
  DedupActionConfigError,
  UndoLogError,
  type DedupJobOptions,
  type DedupJobResult,
} from './pipelines/dedup';

// Web surface of a camera run.
export { startWeb, type StartWebOptions, type WebSurface } from './web';

// Process plumbing: graceful shutdown, metrics, logging.
export {
  createShutdown,
  STOP_PHASES,
  type Shutdown,
  type ShutdownOptions,
  type StopOutcome,
  type StopPhase,
} from './runtime/shutdown';
export { metricsRegistry, collectProcessMetrics } from './metrics/registry';
export { createLogger, logger, setLogger, type Logger } from './util/logger';
