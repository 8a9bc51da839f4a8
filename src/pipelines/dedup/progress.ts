/**
 * Progress of a dedup job, for library users (the original system's progress callback) and for the CLI's
 * bars and log lines: one event per stage step with counts, rate and ETA. Events are throttled per stage
 * (every `intervalMs`, plus the first and the last), so a million-file scan does not call back a million times.
 */
import { Subject, type Observable } from 'rxjs';

/** Stages of a dedup job, in the order they run. */
export const DEDUP_STAGES = [
  'scan',
  'exact',
  'features',
  'candidates',
  'verify',
  'embedding',
  'group',
  'report',
  'actions',
] as const;
export type DedupStage = (typeof DEDUP_STAGES)[number];

/** One progress event. */
export interface DedupProgress {
  stage: DedupStage;
  /** Items done in this stage so far. */
  done: number;
  /** Items this stage will handle, when known. */
  total?: number;
  /** Items per second since the stage started. */
  rate?: number;
  /** Estimated milliseconds left (needs `total`). */
  etaMs?: number;
  /** True on the stage's last event. */
  finished: boolean;
}

export type ProgressListener = (event: DedupProgress) => void;

/** Tracks the stages of one job and forwards throttled events to a listener and an Observable. */
export class ProgressTracker {
  private readonly subject = new Subject<DedupProgress>();
  private readonly started = new Map<DedupStage, number>();
  private readonly lastEmit = new Map<DedupStage, number>();

  /** Every event (throttled); completes when the job ends. */
  readonly events$: Observable<DedupProgress> = this.subject.asObservable();

  constructor(
    private readonly listener?: ProgressListener,
    private readonly intervalMs = 200,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Reports `done` (of `total`) items in `stage`; the first call starts the stage's clock. */
  update(stage: DedupStage, done: number, total?: number, finished = false): void {
    const t = this.now();
    let start = this.started.get(stage);
    if (start === undefined) {
      start = t;
      this.started.set(stage, t);
    }
    const last = this.lastEmit.get(stage);
    if (!finished && last !== undefined && t - last < this.intervalMs) return;
    this.lastEmit.set(stage, t);
    this.emit(progressEvent(stage, done, total, t - start, finished));
  }

  /** Reports the stage as finished with `done` items. */
  finish(stage: DedupStage, done: number, total: number = done): void {
    this.update(stage, done, total, true);
  }

  /** Ends the event stream. */
  complete(): void {
    this.subject.complete();
  }

  private emit(event: DedupProgress): void {
    this.subject.next(event);
    this.listener?.(event);
  }
}

/** Builds an event: rate from elapsed time, ETA from rate and what is left (pure). */
export function progressEvent(
  stage: DedupStage,
  done: number,
  total: number | undefined,
  elapsedMs: number,
  finished: boolean,
): DedupProgress {
  const event: DedupProgress = { stage, done, finished };
  if (total !== undefined) event.total = total;
  if (elapsedMs > 0 && done > 0) {
    event.rate = (done * 1000) / elapsedMs;
    if (total !== undefined) event.etaMs = Math.max(0, ((total - done) / event.rate) * 1000);
  }
  return event;
}
