/**
 * Shows dedup progress events: one cli-progress bar per stage (count, rate, ETA) when stderr is a TTY,
 * otherwise a JSON log line per stage at most every `logIntervalMs` (plus one when a stage finishes).
 */
import cliProgress from 'cli-progress';
import { logger, type Logger } from '../../util/logger';
import type { DedupProgress, DedupStage, ProgressListener } from '../../pipelines/dedup/progress';

/** A progress listener with a `stop()` that finishes the bars. */
export interface ProgressDisplay {
  listener: ProgressListener;
  stop(): void;
}

function formatEta(ms: number | undefined): string {
  if (ms === undefined) return '-';
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** Bars on a TTY, throttled log lines elsewhere; `tty` defaults to `process.stderr.isTTY`. */
export function createProgressDisplay(
  options: { tty?: boolean; log?: Logger; logIntervalMs?: number } = {},
): ProgressDisplay {
  const tty = options.tty ?? process.stderr.isTTY === true;
  if (!tty)
    return logDisplay(options.log ?? logger().child({ pipeline: 'dedup' }), options.logIntervalMs ?? 5000);
  const multi = new cliProgress.MultiBar(
    {
      stream: process.stderr,
      format: ' {stage} |{bar}| {value}/{total} {rateText} eta {etaText}',
      hideCursor: true,
      clearOnComplete: false,
      barsize: 24,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<DedupStage, cliProgress.SingleBar>();
  return {
    listener(e: DedupProgress) {
      const payload = {
        stage: e.stage.padEnd(10),
        rateText: e.rate !== undefined ? `${e.rate.toFixed(e.rate < 10 ? 1 : 0)}/s` : '',
        etaText: e.finished ? 'done' : formatEta(e.etaMs),
      };
      const total = e.total ?? Math.max(e.done, 1);
      let bar = bars.get(e.stage);
      if (!bar) {
        bar = multi.create(total, e.done, payload);
        bars.set(e.stage, bar);
      } else {
        bar.setTotal(total);
        bar.update(e.done, payload);
      }
    },
    stop() {
      multi.stop();
    },
  };
}

function logDisplay(log: Logger, intervalMs: number): ProgressDisplay {
  const last = new Map<DedupStage, number>();
  return {
    listener(e) {
      const t = Date.now();
      const prev = last.get(e.stage);
      if (!e.finished && prev !== undefined && t - prev < intervalMs) return;
      if (!e.finished && prev === undefined && e.done === 0) {
        last.set(e.stage, t);
        return;
      }
      last.set(e.stage, t);
      log.info(
        {
          stage: e.stage,
          done: e.done,
          total: e.total,
          rate: e.rate !== undefined ? Math.round(e.rate * 10) / 10 : undefined,
          etaMs: e.etaMs !== undefined ? Math.round(e.etaMs) : undefined,
        },
        e.finished ? 'stage done' : 'progress',
      );
    },
    stop() {},
  };
}
