/**
 * Image deduplication: one job end to end ({@link runDedupJob}), the jobs of a config
 * ({@link runConfigDedupJobs}), progress events, reports and the undoable actions on duplicates.
 */
export {
  dedupJob,
  runDedupJob,
  HASH_BATCH,
  type DedupEvent,
  type DedupJobDeps,
  type DedupJobOptions,
  type DedupJobResult,
  type DedupJobSpec,
} from './job';
export { runConfigDedupJobs, type ConfigJobOutcome, type ConfigJobsOptions } from './run-config-jobs';
export { selfExcludes } from './self-excludes';
export { DedupActionConfigError } from './errors';
export { DEDUP_STAGES, type DedupProgress, type DedupStage, type ProgressListener } from './progress';
export { scanImages, DEFAULT_IMAGE_EXTENSIONS, type ScanOptions } from './scan';
export {
  applyActions,
  planActions,
  type ActionGroup,
  type ActionOutcome,
  type ApplyOptions,
  type DestructiveAction,
  type FileIdentity,
  type PlannedAction,
  type PlanOptions,
  type SkipCode,
} from './actions';
export { readUndoLog, undoActions, type UndoOptions, type UndoOutcome, type UndoRecord } from './undo';
export { undoLogPath, UndoLogError } from './undo-log';
export type { DedupReport, ReportGroup, ReportMember } from './report/model';
export * from '../../cluster/dedup';
export { dedupClusterSchema, type DedupClusterSettings } from '../../config/schema/dedup-cluster';
