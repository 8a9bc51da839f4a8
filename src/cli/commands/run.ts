import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { assertClusterCanRun, ClusterConfigError } from '../../cluster/setup';
import { loadConfig, webSchema, type RxvisionConfig } from '../../config';
import { runChannels, type RunChannelsSummary } from '../../pipelines/camera/run-channels';
import { closeAllPools, configurePools } from '../../pools/registry';
import { createShutdown } from '../../runtime/shutdown';
import { logger } from '../../util/logger';
import { startWeb, WebConfigError, type WebRunHooks, type WebSurface } from '../../web';
import { createStatusLine } from '../display/status-line';
import { faceSummaryFor, formatRunSummary } from '../display/run-summary';
import { CliError, ExitCode, exitCodeOfOutcome } from '../exit-codes';
import { runConfigJobsCommand } from './dedup';

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

export interface RunOptions {
  frames?: number;
  duration?: number;
  jsonl?: string;
  status: boolean;
  json?: boolean;
  web?: boolean;
  webPort?: number;
  webAllowedHosts?: string[];
  webMaxStreams?: number;
  maxImagePixels?: number;
  dbConnectTimeout?: number;
  dbQueryTimeout?: number;
  detectEvery?: number;
  tiles?: boolean;
  cluster?: boolean;
}

/** Cluster mode can run (PostgreSQL URL, database output), or a config error (exit 2) naming what is missing. */
function checkCluster(file: string, config: RxvisionConfig, opts: RunOptions): void {
  try {
    assertClusterCanRun(config, opts.jsonl ? 'jsonl' : 'database');
  } catch (err) {
    if (err instanceof ClusterConfigError)
      throw new CliError(`${file}: ${err.message}`, ExitCode.invalidConfig);
    throw err;
  }
}

/** The config with the run's command-line overrides (database timeouts, per-channel flags) applied. */
export function withRunFlags(loaded: RxvisionConfig, opts: RunOptions): RxvisionConfig {
  const config: RxvisionConfig = {
    ...loaded,
    database: {
      ...loaded.database,
      ...(opts.dbConnectTimeout !== undefined && { connectTimeoutMs: opts.dbConnectTimeout }),
      ...(opts.dbQueryTimeout !== undefined && { queryTimeoutMs: opts.dbQueryTimeout }),
    },
  };
  for (const channel of config.channels ?? []) {
    if (opts.detectEvery) channel.detectEvery = opts.detectEvery;
    if (opts.tiles) channel.detector.tiles ??= {};
    if (opts.maxImagePixels) channel.maxImagePixels = opts.maxImagePixels;
  }
  return config;
}

/** The web settings of a run: the config's `web`, overridden by the --web-* flags that were given. */
export function webSettingsFor(
  config: RxvisionConfig,
  opts: Pick<RunOptions, 'webPort' | 'webAllowedHosts' | 'webMaxStreams'>,
) {
  return webSchema.parse({
    ...(config.web ?? {}),
    ...(opts.webPort !== undefined && { port: opts.webPort }),
    ...(opts.webAllowedHosts !== undefined && { allowedHosts: opts.webAllowedHosts }),
    ...(opts.webMaxStreams !== undefined && { maxStreams: opts.webMaxStreams }),
  });
}

/** Parses a comma-separated list of host names (`--web-allowed-hosts`), refusing an empty one. */
function hostList(value: string): string[] {
  const hosts = value
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
  if (hosts.length === 0) {
    throw new InvalidArgumentError(`--web-allowed-hosts needs at least one host name, got "${value}"`);
  }
  return hosts;
}

/** Starts the web server when `--web` or `web.enabled` asks for it; a refused bind is a config error (exit 2). */
async function startWebFor(
  file: string,
  config: RxvisionConfig,
  opts: RunOptions,
): Promise<WebSurface | undefined> {
  if (!opts.web && !config.web?.enabled) return undefined;
  const web = webSettingsFor(config, opts);
  try {
    return await startWeb({
      web,
      metrics: config.metrics?.enabled ?? true,
      baseDir: path.dirname(path.resolve(file)),
    });
  } catch (err) {
    if (err instanceof WebConfigError) throw new CliError(`${file}: ${err.message}`, ExitCode.invalidConfig);
    throw err;
  }
}

function formatSummary(s: RunChannelsSummary): string {
  const lines = s.channels.map(
    (c) =>
      `${c.id}: ${c.state}, ${c.frames} frames, ${c.dropped} dropped, ${c.failedFrames} failed, ${c.faces} faces, ${c.tracks} tracks` +
      (c.error ? ` (${c.error})` : ''),
  );
  lines.push(
    `run ${s.runId}${s.nodeId ? ` (cluster node ${s.nodeId})` : ''}: ${(s.elapsedMs / 1000).toFixed(1)} s; rows written: ${s.rows.detections} detections, ${s.rows.tracks} tracks, ` +
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
  webHooks?: WebRunHooks,
) {
  const work: Array<Promise<unknown>> = [];
  if (config.channels?.some((c) => c.enabled)) {
    const faces = faceSummaryFor(config);
    work.push(
      runChannels(config, {
        configFile: path.resolve(file),
        output: opts.jsonl ? { type: 'jsonl', dir: path.resolve(opts.jsonl) } : { type: 'database' },
        maxFrames: opts.frames,
        cluster: opts.cluster || undefined,
        durationMs: opts.duration ? opts.duration * 1000 : undefined,
        shutdown,
        statusLine:
          opts.status && process.stderr.isTTY === true
            ? (summaries) => createStatusLine({ enabled: true, summaries })
            : false,
        ...webHooks,
        onResult: faces ? faces.alongside(webHooks?.onResult) : webHooks?.onResult,
      }).then((summary) => {
        const out = faces ? { ...summary, faces: faces.summary() } : summary;
        process.stdout.write(
          opts.json
            ? `${JSON.stringify(out)}\n`
            : `${formatSummary(summary)}\n${faces ? `${formatRunSummary(faces.summary())}\n` : ''}`,
        );
        if (summary.channels.some((c) => c.state === 'failed')) process.exitCode = ExitCode.failure;
      }),
    );
  }
  if (config.dedup?.length) work.push(runConfigJobsCommand(config, { json: opts.json, shutdown }));
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
    .option(
      '--detect-every <n>',
      "detect on every nth frame of every channel (overrides the channels' detectEvery)",
      positiveNumber('--detect-every', true),
    )
    .option(
      '--tiles',
      'detect on 512 px tiles too (small faces in 1080p/4K streams; overrides detector.tiles)',
    )
    .option(
      '--cluster',
      'cluster mode (PostgreSQL database.url only): run this config on N processes or hosts, each channel runs on one of them (overrides cluster.enabled)',
    )
    .option(
      '--max-image-pixels <n>',
      "image-folder sources: skip (and report) images with more pixels, read from their header; overrides the channels' maxImagePixels",
      positiveNumber('--max-image-pixels', true),
    )
    .option('--no-status', 'no live status line on the terminal')
    .option('--json', 'print the run summary as JSON')
    .option(
      '--web',
      'serve the live view, status API and /metrics (web.host:web.port, default 127.0.0.1:8080)',
    )
    .option(
      '--web-port <port>',
      'port of the web server (overrides web.port; 0 picks a free one)',
      (v: string) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0 || n > 65535)
          throw new InvalidArgumentError(`--web-port must be 0-65535, got "${v}"`);
        return n;
      },
    )
    .option(
      '--web-allowed-hosts <hosts>',
      'comma-separated host names requests may be addressed to, besides loopback ones; ".example.com" ' +
        'allows subdomains (overrides web.allowedHosts)',
      hostList,
    )
    .option(
      '--web-max-streams <n>',
      'most live MJPEG streams served at once; more get 503 (overrides web.maxStreams)',
      positiveNumber('--web-max-streams', true),
    )
    .option(
      '--db-connect-timeout <ms>',
      'PostgreSQL connect timeout (overrides database.connectTimeoutMs)',
      positiveNumber('--db-connect-timeout', true),
    )
    .option(
      '--db-query-timeout <ms>',
      'PostgreSQL query/statement timeout (overrides database.queryTimeoutMs)',
      positiveNumber('--db-query-timeout', true),
    )
    .action(async (file: string, opts: RunOptions) => {
      const config = withRunFlags(await loadConfig(file), opts);
      if (opts.cluster || config.cluster?.enabled) checkCluster(file, config, opts);
      configurePools(config.pools);
      const web = await startWebFor(file, config, opts);
      const shutdown = createShutdown({
        deadlineMs: 20_000,
        exit: (outcome) => {
          // A second signal ends the process at once; a graceful stop lets runCli return the code.
          if (outcome === 'interrupted' && !shutdownDone) process.exit(ExitCode.interrupted);
        },
      });
      let shutdownDone = false;
      shutdown.onStop('worker pools', () => closeAllPools({ drainMs: 5_000 }), 'pools');
      if (web) shutdown.onStop('web server', () => web.close(), 'sinks');
      const outcome = await shutdown.run(runConfig(file, config, opts, shutdown, web?.hooks));
      shutdownDone = true;
      shutdown.dispose();
      if (outcome !== 'completed') process.exitCode = exitCodeOfOutcome(outcome);
    });
}
