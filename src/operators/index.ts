/**
 * `rxvision/operators`: backpressure-aware RxJS operators (pull sources, bounded buffers, priority queues,
 * worker-pool stages, batching, metering) plus the demand protocol and the per-stage statistics they record.
 */
export * from './batch';
export * from './demand';
export * from './errors';
export * from './pull-from';
export * from './bounded-buffer';
export * from './priority-queue';
export * from './in-pool';
export * from './metered';
export * from './meter';
export * from './stage-stats';
