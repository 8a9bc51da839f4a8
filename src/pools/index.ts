/**
 * `rxvision/pools`: worker pools, our layer over threads.js (nothing else imports `threads`): creating and
 * sharing pools, their errors and statistics, sizing them for the machine, and the helpers a worker file
 * uses to expose its API (`exposeWorker`, `transferResult`).
 */
export { createPool } from './pool';
export { TIMEOUT_POLICIES } from './policy';
export type { TimeoutPolicy } from './policy';
export type {
  PoolEvent,
  PoolOptions,
  PoolStats,
  RunOptions,
  TaskArgs,
  TaskMethod,
  TaskResult,
  WorkerApi,
  WorkerPool,
} from './pool';
export { TaskError, PoolClosedError, PoolQueueFullError, isTaskError } from './errors';
export type { TaskErrorKind, TaskErrorDetails } from './errors';
export { toTransferable } from './transfer';
export type { BinaryView } from './transfer';
export { declareUnsafeToTerminate, exposeWorker, transferResult, ortSessionOptions } from './expose';
export type { OrtWorkerSessionOptions } from './expose';
export {
  getPool,
  sharedPools,
  closeAllPools,
  configurePools,
  resolvePoolSize,
  defaultTimeoutPolicy,
  ORT_POOL_KINDS,
  poolAutoConfig,
} from './registry';
export {
  classifyPool,
  detectPool,
  embedPool,
  encodePool,
  hashPool,
  kindPool,
  KIND_DEFAULTS,
  WORKER_KINDS,
} from './kinds';
export type { KindPoolSpec, WorkerApis, WorkerKind } from './kinds';
export type { PoolOverrides, PoolSpec } from './registry';
export { autoConfigure, detectSystem, formatAutoConfig, POOL_KINDS } from './autoconfig';
export type { AutoConfig, PoolKind, SizedPool, SystemInfo } from './autoconfig';
export { LatencyWindow, quantile } from './latency';
export type { LatencySummary } from './latency';
