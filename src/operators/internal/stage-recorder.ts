import { counter, gauge, histogram } from '../../metrics/registry';
import { stageCounters, type DropReason, type StageCounters, type StageLabels } from '../stage-stats';

const STAGE_LABELS = ['pipeline', 'channel', 'stage'] as const;

const items = () =>
  counter('rxvision_stage_items_total', 'Items entering (in) and leaving (out) a stage', [
    ...STAGE_LABELS,
    'direction',
  ]);
const dropped = () =>
  counter('rxvision_dropped_total', 'Items dropped by a bounded buffer or queue', [
    ...STAGE_LABELS,
    'reason',
  ]);
const errors = () =>
  counter('rxvision_stage_errors_total', 'Task errors in a stage, by outcome (retried, skipped, failed)', [
    ...STAGE_LABELS,
    'outcome',
  ]);
const queueDepth = () => gauge('rxvision_queue_depth', 'Items waiting in a stage queue', STAGE_LABELS);
const inFlight = () => gauge('rxvision_stage_in_flight', 'Tasks running in a stage', STAGE_LABELS);
const latency = () =>
  histogram('rxvision_stage_latency_seconds', 'Time of one item through a stage', STAGE_LABELS);

/**
 * Records one stage's events in both the Prometheus registry and the in-process {@link StageCounters}.
 * Every operator creates one per subscription (cheap: metrics and counters are shared by name).
 */
export class StageRecorder {
  readonly counters: StageCounters;
  private readonly labels: Record<string, string>;

  constructor(stage: string, labels: StageLabels = {}) {
    this.counters = stageCounters(stage, labels);
    this.labels = { stage };
    if (labels.pipeline !== undefined) this.labels.pipeline = labels.pipeline;
    if (labels.channel !== undefined) this.labels.channel = labels.channel;
  }

  itemIn(): void {
    this.counters.in += 1;
    items().inc({ ...this.labels, direction: 'in' });
  }

  itemOut(): void {
    this.counters.countOut();
    items().inc({ ...this.labels, direction: 'out' });
  }

  drop(reason: DropReason): void {
    this.counters.countDrop(reason);
    dropped().inc({ ...this.labels, reason });
  }

  error(outcome: 'retried' | 'skipped' | 'failed'): void {
    this.counters[outcome] += 1;
    errors().inc({ ...this.labels, outcome });
  }

  /** Sets the queue depth gauge (absolute). */
  queue(depth: number): void {
    this.counters.queueDepth = depth;
    queueDepth().set(this.labels, depth);
  }

  /** Sets the in-flight gauge (absolute). */
  running(n: number): void {
    this.counters.inFlight = n;
    inFlight().set(this.labels, n);
  }

  latency(ms: number): void {
    this.counters.observeLatency(ms);
    latency().observe(this.labels, ms / 1000);
  }
}
