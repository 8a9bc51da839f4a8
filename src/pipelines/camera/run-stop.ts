/** When a run stops: on the first shutdown signal or after its duration, whichever comes first. */
import { filter, take, type Observable } from 'rxjs';
import type { RunChannelsOptions } from './run-options';
import type { ChannelStatusEvent } from './sources/frame-source';

/**
 * How long a run may wait for its first live channel before `durationMs` starts counting anyway (so a
 * run whose sources never come up still ends).
 */
export const DURATION_START_GRACE_MS = 60_000;

/**
 * Aborts `abort` on the first signal of `shutdown` or `durationMs` after the first channel went live
 * (given the run's `status$`; without it, or at the latest {@link DURATION_START_GRACE_MS} after the start,
 * the duration counts from now). Counting from the first frame keeps a short run from being spent on
 * start-up (opening the database, loading the models). Returns the function that unhooks everything
 * (call it when the run is over).
 */
export function wireStop(
  abort: AbortController,
  { shutdown, durationMs }: Pick<RunChannelsOptions, 'shutdown' | 'durationMs'>,
  status$?: Observable<ChannelStatusEvent>,
): () => void {
  const subscription = shutdown?.shutdown$.subscribe(() => abort.abort());
  let timer: NodeJS.Timeout | undefined;
  let grace: NodeJS.Timeout | undefined;
  const startCounting = () => {
    if (timer || !durationMs) return;
    clearTimeout(grace);
    timer = setTimeout(() => abort.abort(), durationMs);
  };
  const live =
    durationMs && status$
      ? status$
          .pipe(
            filter((e) => e.state === 'live'),
            take(1),
          )
          .subscribe(startCounting)
      : undefined;
  if (live) grace = setTimeout(startCounting, DURATION_START_GRACE_MS);
  else startCounting();
  return () => {
    subscription?.unsubscribe();
    live?.unsubscribe();
    clearTimeout(grace);
    clearTimeout(timer);
  };
}
