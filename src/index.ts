/**
 * rxvision: camera face analytics and image deduplication as RxJS pipelines.
 *
 * Library entry point. Build blocks by area:
 * - operators: `inPool`, `boundedBuffer`, `priorityQueue`, `pullFrom`, `batch`, `meter`/`metered`;
 * - pools: `createPool`, `getPool`, `autoConfigure`;
 * - sinks: `kyselySink`, `jsonlSink`, `consoleSink`;
 * - camera: `createChannel`, `runChannels`, detectors, tracker, `readFrames`;
 * - config: `loadConfig`, `parseConfig`, schemas; database: `openDatabase`; assets: `fetchAssets`, `assetPath`.
 */
export * from './operators';
export * from './pools';
export * from './sinks';
export * from './config';
export * from './db';
export * from './assets';
export * from './pipelines/camera';
export {
  createShutdown,
  STOP_PHASES,
  type Shutdown,
  type ShutdownOptions,
  type StopPhase,
} from './runtime/shutdown';
export { metricsRegistry, collectProcessMetrics, counter, gauge, histogram } from './metrics/registry';
export { createLogger, logger, setLogger, type Logger } from './util/logger';
export { redactUrl } from './util/redact';
export { analyzeSystem, type DoctorReport } from './doctor/analyze';
