import { counter, gauge, histogram } from '../metrics/registry';

/** Prometheus metrics of one pool, labelled `pool=<name>`. */
export interface PoolMetrics {
  setQueued(n: number): void;
  setActive(n: number): void;
  completed(seconds: number): void;
  failed(): void;
  retried(): void;
  restarted(): void;
  timedOut(): void;
  setAbandoned(n: number): void;
}

export function poolMetrics(pool: string): PoolMetrics {
  const labels = { pool };
  const queued = gauge('rxvision_pool_queued', 'Tasks waiting for a worker', ['pool']);
  const active = gauge('rxvision_pool_active', 'Tasks running in workers', ['pool']);
  const completed = counter('rxvision_pool_completed_total', 'Tasks that returned a result', ['pool']);
  const failed = counter('rxvision_pool_failed_total', 'Tasks rejected (failed, timeout, worker died)', [
    'pool',
  ]);
  const retried = counter('rxvision_pool_retried_total', 'Tasks re-run after their worker died', ['pool']);
  const restarts = counter('rxvision_pool_restarts_total', 'Workers replaced after dying or timing out', [
    'pool',
  ]);
  const timedOut = counter('rxvision_pool_timeouts_total', 'Tasks that ran past their timeout', ['pool']);
  const abandoned = gauge(
    'rxvision_pool_abandoned',
    'Timed-out tasks still running in their workers (onTimeout: abandon)',
    ['pool'],
  );
  const latency = histogram('rxvision_pool_task_seconds', 'Task latency from dispatch to result', ['pool']);
  return {
    setQueued: (n) => queued.set(labels, n),
    setActive: (n) => active.set(labels, n),
    completed: (seconds) => {
      completed.inc(labels);
      latency.observe(labels, seconds);
    },
    failed: () => failed.inc(labels),
    retried: () => retried.inc(labels),
    restarted: () => restarts.inc(labels),
    timedOut: () => timedOut.inc(labels),
    setAbandoned: (n) => abandoned.set(labels, n),
  };
}
