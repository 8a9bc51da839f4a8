/**
 * Dedup on a cluster: a job whose feature batches and blocks of candidate pairs go to a pg-boss queue in
 * the shared PostgreSQL database ({@link runClusterDedupJob}), the workers that serve it
 * ({@link serveDedupQueue}) and the queue's status ({@link dedupQueueStatus}).
 */
export { runClusterDedupJob, ClusterDatabaseError, type ClusterDedupJobOptions } from './job';
export { openDedupQueue, DEDUP_QUEUE, QUEUED_METHODS, type DedupQueueOptions } from './queue';
export { queuePool, ClusterBatchError, type QueuePool, type QueuePoolOptions } from './queue-pool';
export { serveDedupQueue, defaultWorkerId, type ServeOptions, type Serving } from './serve';
export { dedupQueueStatus, type DedupQueueStatus } from './status';
