import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig, type RxvisionConfig } from '../../config';
import { runChannels, type RunChannelsSummary } from '../../pipelines/camera/run-channels';
import { closeAllPools, configurePools } from '../../pools/registry';
import { createShutdown } from '../../runtime/shutdown';
import { logger } from '../../util/logger';
import { ExitCode } from '../exit-codes';

/** Parses a positive number option, naming the option in the error. */
export function positiveNumber(name: string, integer = false) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
      throw new InvalidArgumentError(
        `${name} must be a positive ${integer ? 'integer' : 'number'}, got "${value}"`,
      );
    }
    return n;
  };
}

interface RunOptions {
  frames?: number;
  duration?: number;
  jsonl?: string;
  status: boolean;
  json?: boolean;
}

function formatSummary(s: RunChannelsSummary): string {
  const lines = s.channels.map(
    (c) =>
      `${c.id}: ${c.state}, ${c.frames} frames, ${c.dropped} dropped, ${c.failedFrames} failed, ${c.faces} faces, ${c.tracks} tracks` +
      (c.error ? ` (${c.error})` : ''),
  );
  lines.push(
    `run ${s.runId}: ${(s.elapsedMs / 1000).toFixed(1)} s; rows written: ${s.rows.detections} detections, ${s.rows.tracks} tracks, ` +
      `${s.rows.statusEvents} status events${s.rows.spooled ? ` (${s.rows.spooled} spooled until the database returns)` : ''}`,
  );
  return lines.join('\n');
}

/** Runs what a config describes; resolves with the summary of the camera channels (if any). */
async function runConfig(
  file: string,
  config: RxvisionConfig,
  opts: RunOptions,
  shutdown: ReturnType<typeof createShutdown>,
) {
  const work: Array<Promise<unknown>> = [];
  if (config.channels?.some((c) => c.enabled)) {
    work.push(
      runChannels(config, {
        configFile: path.resolve(file),
        output: opts.jsonl ? { type: 'jsonl', dir: path.resolve(opts.jsonl) } : { type: 'database' },
        maxFrames: opts.frames,
        durationMs: opts.duration ? opts.duration * 1000 : undefined,
        shutdown,
        statusLine: opts.status && process.stderr.isTTY === true,
      }).then((summary) => {
        process.stdout.write(opts.json ? `${JSON.stringify(summary)}\n` : `${formatSummary(summary)}\n`);
        if (summary.channels.some((c) => c.state === 'failed')) process.exitCode = ExitCode.failure;
      }),
    );
  }
  if (work.length === 0) logger().warn(`${file}: nothing to run (no enabled channels)`);
  await Promise.all(work);
}

/** `pipeline run <config>`: runs the camera channels of a config file until they end or SIGINT/SIGTERM. */
export function registerRunCommand(program: Command): void {
  program
    .command('run <config>')
    .description(
      'run the camera channels of a config file (until the sources end, --frames/--duration, or Ctrl-C)',
    )
    .option('--frames <n>', 'stop each channel after n frames', positiveNumber('--frames', true))
    .option(
      '--duration <seconds>',
      'stop every channel after this many seconds',
      positiveNumber('--duration'),
    )
    .option(
      '--jsonl <dir>',
      'write detections, tracks and status events as JSON Lines files in <dir> instead of the database',
    )
    .option('--no-status', 'no live status line on the terminal')
    .option('--json', 'print the run summary as JSON')
    .action(async (file: string, opts: RunOptions) => {
      const config = await loadConfig(file);
      configurePools(config.pools);
      const shutdown = createShutdown({
        deadlineMs: 20_000,
        exit: (code) => {
          // A second signal ends the process at once; a graceful stop lets runCli return the code.
          if (code === ExitCode.interrupted && !shutdownDone) process.exit(code);
        },
      });
      let shutdownDone = false;
      shutdown.onStop('worker pools', () => closeAllPools({ drainMs: 5_000 }), 'pools');
      const code = await shutdown.run(runConfig(file, config, opts, shutdown));
      shutdownDone = true;
      shutdown.dispose();
      if (code !== ExitCode.ok) process.exitCode = code;
    });
}
