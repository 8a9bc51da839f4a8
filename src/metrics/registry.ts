import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One Prometheus registry for the whole process. Stages, pools and sinks get their metrics through the
 * get-or-create helpers below, so two pipelines that name the same metric share it (distinguished by
 * labels such as `channel` and `stage`) instead of throwing "already registered".
 */
export const metricsRegistry = new Registry();
let defaultsCollected = false;

/** Adds Node's process metrics (CPU, RSS, event-loop lag) to the registry once. */
export function collectProcessMetrics(): void {
  if (defaultsCollected) return;
  defaultsCollected = true;
  collectDefaultMetrics({ register: metricsRegistry, prefix: 'rxvision_' });
}

function existing<T>(name: string): T | undefined {
  return metricsRegistry.getSingleMetric(name) as T | undefined;
}

export function counter<L extends string>(
  name: string,
  help: string,
  labelNames: readonly L[] = [],
): Counter<L> {
  return (
    existing<Counter<L>>(name) ??
    new Counter<L>({ name, help, labelNames: [...labelNames], registers: [metricsRegistry] })
  );
}

export function gauge<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
  return (
    existing<Gauge<L>>(name) ??
    new Gauge<L>({ name, help, labelNames: [...labelNames], registers: [metricsRegistry] })
  );
}

/** Latency buckets in seconds, from 0.5 ms to 10 s. */
export const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

export function histogram<L extends string>(
  name: string,
  help: string,
  labelNames: readonly L[] = [],
  buckets: number[] = LATENCY_BUCKETS,
): Histogram<L> {
  return (
    existing<Histogram<L>>(name) ??
    new Histogram<L>({ name, help, labelNames: [...labelNames], buckets, registers: [metricsRegistry] })
  );
}
