/** When a run stops: on the first shutdown signal or after its duration, whichever comes first. */
import type { RunChannelsOptions } from './run-options';

/**
 * Aborts `abort` on the first signal of `shutdown` or after `durationMs`; returns the function that
 * unhooks both (call it when the run is over).
 */
export function wireStop(
  abort: AbortController,
  { shutdown, durationMs }: Pick<RunChannelsOptions, 'shutdown' | 'durationMs'>,
): () => void {
  const subscription = shutdown?.shutdown$.subscribe(() => abort.abort());
  const timer = durationMs ? setTimeout(() => abort.abort(), durationMs) : undefined;
  return () => {
    subscription?.unsubscribe();
    if (timer) clearTimeout(timer);
  };
}
