/** A live status line per channel on a TTY: state, FPS in/out, drops, faces, tracks. */
import type { ChannelSummary } from '../../pipelines/camera/run-channels';

/** The counters a status line shows (the runner's per-channel summary). */
export type StatusLineCounters = Omit<ChannelSummary, 'error'>;

export interface StatusLineOptions {
  enabled: boolean;
  summaries: ReadonlyMap<string, StatusLineCounters>;
  intervalMs?: number;
  stream?: NodeJS.WriteStream;
}

/** Formats one channel's line from its counters now and one interval ago. */
export function formatStatusLine(
  now: StatusLineCounters,
  before: StatusLineCounters | undefined,
  seconds: number,
): string {
  const inNow = now.frames + now.dropped + now.failedFrames;
  const inBefore = before ? before.frames + before.dropped + before.failedFrames : 0;
  const fpsIn = seconds > 0 ? (inNow - inBefore) / seconds : 0;
  const fpsOut = seconds > 0 ? (now.frames - (before?.frames ?? 0)) / seconds : 0;
  return (
    `${now.id.padEnd(12)} ${now.state.padEnd(12)} in ${fpsIn.toFixed(1).padStart(6)} fps  out ${fpsOut.toFixed(1).padStart(6)} fps  ` +
    `drops ${now.dropped}  faces ${now.faces}  tracks ${now.tracks}`
  );
}

/** Redraws the channel lines in place every interval (no-op when disabled, e.g. not a TTY). */
export function createStatusLine(options: StatusLineOptions): { start(): void; stop(): void } {
  const stream = options.stream ?? process.stderr;
  const intervalMs = options.intervalMs ?? 1000;
  let timer: NodeJS.Timeout | undefined;
  let previous = new Map<string, StatusLineCounters>();
  let drawn = 0;
  let lastAt = 0;
  const draw = () => {
    const t = Date.now();
    const seconds = (t - lastAt) / 1000;
    lastAt = t;
    const lines = [...options.summaries.values()].map((s) =>
      formatStatusLine(s, previous.get(s.id), seconds),
    );
    previous = new Map([...options.summaries.values()].map((s) => [s.id, { ...s }]));
    if (drawn > 0) stream.write(`\x1b[${drawn}A`);
    stream.write(lines.map((l) => `\x1b[2K${l}\n`).join(''));
    drawn = lines.length;
  };
  return {
    start() {
      if (!options.enabled || timer) return;
      lastAt = Date.now();
      timer = setInterval(draw, intervalMs);
      timer.unref();
    },
    stop() {
      if (!timer) return;
      clearInterval(timer);
      timer = undefined;
      draw();
    },
  };
}
