/**
 * In-process counters per stage, kept next to the Prometheus metrics so the TTY status line and tests can
 * read counts without parsing the exposition text. Every operator with a `stage` name records here.
 */
import { asyncScheduler } from 'rxjs';

/** Why an item left a buffer without being delivered ('stale': no longer wanted, see `priorityQueue`). */
export type DropReason = 'oldest' | 'newest' | 'expired' | 'priority' | 'stale';

/** Labels shared by every stage metric (the registry's label names are fixed per metric). */
export interface StageLabels {
  pipeline?: string;
  channel?: string;
}

/** A read-only snapshot of one stage's counters. */
export interface StageStatsSnapshot {
  stage: string;
  labels: StageLabels;
  /** Items that entered the stage. */
  in: number;
  /** Items the stage emitted. */
  out: number;
  /** Items dropped, by reason. */
  dropped: Partial<Record<DropReason, number>>;
  /** Items skipped after a task error (error policy 'skip'). */
  skipped: number;
  /** Task attempts that were retried. */
  retried: number;
  /** Items that failed the pipeline. */
  failed: number;
  /** Items waiting in the stage's queue now. */
  queueDepth: number;
  /** Tasks running now. */
  inFlight: number;
  /** Items emitted per second over the last {@link RATE_WINDOW_MS}. */
  outPerSecond: number;
  /** Per-item latency through the stage, when the stage measures it. */
  latency: { count: number; meanMs: number; maxMs: number };
}

/** Window of the `outPerSecond` rate. */
export const RATE_WINDOW_MS = 5000;
const BUCKET_MS = 500;
const BUCKETS = RATE_WINDOW_MS / BUCKET_MS;

/** Mutable counters behind a snapshot (internal to the operators). */
export class StageCounters {
  in = 0;
  out = 0;
  dropped: Partial<Record<DropReason, number>> = {};
  skipped = 0;
  retried = 0;
  failed = 0;
  queueDepth = 0;
  inFlight = 0;
  private latencyCount = 0;
  private latencySumMs = 0;
  private latencyMaxMs = 0;
  // Ring of per-bucket output counts for the rate; bucketIds says which time bucket each slot holds.
  private readonly bucketCounts = new Array<number>(BUCKETS).fill(0);
  private readonly bucketIds = new Array<number>(BUCKETS).fill(-1);

  constructor(
    readonly stage: string,
    readonly labels: StageLabels,
    private readonly now: () => number = () => asyncScheduler.now(),
  ) {}

  countOut(n = 1): void {
    this.out += n;
    const id = Math.floor(this.now() / BUCKET_MS);
    const slot = id % BUCKETS;
    if (this.bucketIds[slot] !== id) {
      this.bucketIds[slot] = id;
      this.bucketCounts[slot] = 0;
    }
    this.bucketCounts[slot] += n;
  }

  countDrop(reason: DropReason): void {
    this.dropped[reason] = (this.dropped[reason] ?? 0) + 1;
  }

  observeLatency(ms: number): void {
    this.latencyCount += 1;
    this.latencySumMs += ms;
    if (ms > this.latencyMaxMs) this.latencyMaxMs = ms;
  }

  snapshot(): StageStatsSnapshot {
    const current = Math.floor(this.now() / BUCKET_MS);
    let recent = 0;
    for (let i = 0; i < BUCKETS; i++)
      if (this.bucketIds[i] > current - BUCKETS) recent += this.bucketCounts[i];
    return {
      stage: this.stage,
      labels: { ...this.labels },
      in: this.in,
      out: this.out,
      dropped: { ...this.dropped },
      skipped: this.skipped,
      retried: this.retried,
      failed: this.failed,
      queueDepth: this.queueDepth,
      inFlight: this.inFlight,
      outPerSecond: recent / (RATE_WINDOW_MS / 1000),
      latency: {
        count: this.latencyCount,
        meanMs: this.latencyCount === 0 ? 0 : this.latencySumMs / this.latencyCount,
        maxMs: this.latencyMaxMs,
      },
    };
  }
}

const registry = new Map<string, StageCounters>();

function stageKey(stage: string, labels: StageLabels): string {
  return JSON.stringify([stage, labels.pipeline ?? '', labels.channel ?? '']);
}

/** The counters of a stage, created on first use (internal to the operators). */
export function stageCounters(stage: string, labels: StageLabels = {}): StageCounters {
  const key = stageKey(stage, labels);
  let counters = registry.get(key);
  if (!counters) {
    counters = new StageCounters(stage, { ...labels });
    registry.set(key, counters);
  }
  return counters;
}

/** A snapshot of one stage's counters, or undefined when no item or subscription touched it yet. */
export function stageStats(stage: string, labels: StageLabels = {}): StageStatsSnapshot | undefined {
  return registry.get(stageKey(stage, labels))?.snapshot();
}

/** Snapshots of every stage seen in this process (for the TTY status line). */
export function allStageStats(): StageStatsSnapshot[] {
  return [...registry.values()].map((c) => c.snapshot());
}

/** Forgets all in-process counters (Prometheus metrics are untouched). */
export function resetStageStats(): void {
  registry.clear();
}
