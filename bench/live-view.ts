/**
 * Live view cost benchmark: pipeline FPS of the camera channels (both sample videos, read as fast as
 * possible) with the web server up and nobody watching vs. with an MJPEG viewer on every channel, in one
 * process. Runs alternate (closed, open, closed, open, ...) so drift hits both modes alike; the result is
 * the median FPS per mode and the relative cost of watching. Target: <= 5 %.
 *
 * Run alone: `node dist/bench/live-view.js [--frames N] [--repeats N] [--fps N] [--json]`.
 */
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assetPath } from '../src/assets';
import { parseConfig, webSchema } from '../src/config';
import { runChannels } from '../src/pipelines/camera/run-channels';
import { encodePool } from '../src/pools/kinds';
import { closeAllPools } from '../src/pools/registry';
import { createLogger, setLogger } from '../src/util/logger';
import { startWeb, type WebSurface } from '../src/web';

/** Options of {@link run}. */
export interface LiveViewBenchOptions {
  /** Frames per channel per run (default 270: all of Megamind.avi). */
  frames?: number;
  /** Runs per mode (default 3). */
  repeats?: number;
  /** Live view frames per second per channel (default 5, the config default). */
  fps?: number;
}

/** One measured run. */
export interface LiveViewRun {
  mode: 'closed' | 'open';
  frames: number;
  seconds: number;
  fps: number;
  /** JPEG parts the viewers received (0 when closed). */
  jpegsReceived: number;
}

/** The benchmark's result. */
export interface LiveViewBenchResult {
  frames: number;
  repeats: number;
  viewFps: number;
  runs: LiveViewRun[];
  medianFps: { closed: number; open: number };
  /** (closed - open) / closed, in percent (negative: noise in favour of the open view). */
  costPercent: number;
  targetPercent: number;
  withinTarget: boolean;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Watches one channel's MJPEG stream and counts the JPEG parts received. */
function watch(url: string): { parts: () => number; close: () => void } {
  let parts = 0;
  let carry = '';
  const req = http.get(url, (res) => {
    res.setEncoding('latin1');
    res.on('data', (chunk: string) => {
      const text = carry + chunk;
      parts += text.split('Content-Type: image/jpeg').length - 1;
      carry = text.slice(-32);
    });
  });
  req.on('error', () => undefined);
  return { parts: () => parts, close: () => req.destroy() };
}

async function measure(web: WebSurface, mode: LiveViewRun['mode'], frames: number): Promise<LiveViewRun> {
  const config = parseConfig(
    {
      channelDefaults: { pace: 'asap', maxFrames: frames },
      channels: [
        { id: 'mega', source: assetPath('samples', 'Megamind.avi') },
        { id: 'street', source: assetPath('samples', 'vtest.avi') },
      ],
    },
    'bench-live-view.json',
  );
  const out = mkdtempSync(path.join(os.tmpdir(), 'rxv-bench-live-'));
  const viewers = mode === 'open' ? ['mega', 'street'].map((c) => watch(`${web.server.url}stream/${c}`)) : [];
  try {
    const started = process.hrtime.bigint();
    const summary = await runChannels(config, {
      output: { type: 'jsonl', dir: out },
      statusLine: false,
      ...web.hooks,
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const processed = summary.channels.reduce((n, c) => n + c.frames, 0);
    return {
      mode,
      frames: processed,
      seconds,
      fps: processed / seconds,
      jpegsReceived: viewers.reduce((n, v) => n + v.parts(), 0),
    };
  } finally {
    for (const v of viewers) v.close();
    rmSync(out, { recursive: true, force: true });
  }
}

/** Measures pipeline FPS with the live view closed and open (see the module comment). */
export async function run(options: LiveViewBenchOptions = {}): Promise<LiveViewBenchResult> {
  const frames = options.frames ?? 270;
  const repeats = options.repeats ?? 3;
  const viewFps = options.fps ?? 5;
  const web = await startWeb({ web: webSchema.parse({ port: 0, fps: viewFps }) });
  try {
    // Start both pools before timing, so neither mode pays for worker start-up.
    await encodePool({ size: 1 }).ready();
    await measure(web, 'closed', Math.min(frames, 30)); // warm-up: detect workers and models
    const runs: LiveViewRun[] = [];
    for (let i = 0; i < repeats; i++) {
      runs.push(await measure(web, 'closed', frames));
      runs.push(await measure(web, 'open', frames));
    }
    const closed = median(runs.filter((r) => r.mode === 'closed').map((r) => r.fps));
    const open = median(runs.filter((r) => r.mode === 'open').map((r) => r.fps));
    const costPercent = ((closed - open) / closed) * 100;
    return {
      frames,
      repeats,
      viewFps,
      runs,
      medianFps: { closed, open },
      costPercent,
      targetPercent: 5,
      withinTarget: costPercent <= 5,
    };
  } finally {
    await web.close();
    await closeAllPools();
  }
}

function format(r: LiveViewBenchResult): string {
  const lines = r.runs.map(
    (x) =>
      `${x.mode.padEnd(6)} ${x.frames} frames in ${x.seconds.toFixed(2)} s = ${x.fps.toFixed(1)} FPS` +
      (x.mode === 'open' ? ` (${x.jpegsReceived} JPEGs received)` : ''),
  );
  lines.push(
    `median FPS: closed ${r.medianFps.closed.toFixed(1)}, open ${r.medianFps.open.toFixed(1)}; ` +
      `live view cost ${r.costPercent.toFixed(1)} % (target <= ${r.targetPercent} %: ${r.withinTarget ? 'met' : 'NOT met'})`,
  );
  return lines.join('\n');
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const num = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? Number(argv[i + 1]) : undefined;
  };
  setLogger(createLogger({ level: 'warn' }));
  run({ frames: num('--frames'), repeats: num('--repeats'), fps: num('--fps') }).then(
    (r) => process.stdout.write(`${format(r)}\n${argv.includes('--json') ? `${JSON.stringify(r)}\n` : ''}`),
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
