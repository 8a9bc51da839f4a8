import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { loadConfig } from '../../config';
import { resolveDatabaseConfig } from '../../db';
import { openDedupQueue } from '../../cluster/dedup/queue';
import { serveDedupQueue } from '../../cluster/dedup/serve';
import { counter, gauge } from '../../metrics/registry';
import { hashPool } from '../../pools/kinds';
import { closeAllPools, configurePools } from '../../pools/registry';
import { createShutdown } from '../../runtime/shutdown';
import { redactUrl } from '../../util/redact';
import { logger } from '../../util/logger';
import { ChannelBoard } from '../../web/channel-board';
import { startWebServer, type WebServer } from '../../web/server';
import { CliError, ExitCode } from '../exit-codes';

/** Options of `pipeline worker` as commander parses them. */
export interface WorkerCommandOptions {
  config?: string;
  dbUrl?: string;
  concurrency?: number;
  id?: string;
  metricsPort?: number;
}

const intOption =
  (flag: string, min: number) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > 65_535)
      throw new InvalidArgumentError(`${flag} must be an integer >= ${min}, got "${value}"`);
    return n;
  };

/**
 * Prometheus `/metrics` (and `/healthz`, `/readyz`) of a worker on 127.0.0.1:`port` (0: a free port):
 * the process metrics plus the batches it ran, by outcome, and its last batch's time.
 */
async function startWorkerMetrics(port: number, workerId: string): Promise<WebServer> {
  return startWebServer({
    port,
    board: new ChannelBoard(),
    ready: async () => ({ ready: true, checks: { queue: 'serving' } }),
    log: logger().child({ worker: workerId }),
  });
}

/**
 * Runs `pipeline worker`: serves the dedup queue of the shared database until SIGINT/SIGTERM, then takes
 * no new batch, lets the running ones finish (up to 30 s; a batch cut off is retried elsewhere once it
 * expires) and exits 130.
 */
export async function runWorkerCommand(opts: WorkerCommandOptions): Promise<void> {
  const config = opts.config ? await loadConfig(opts.config) : undefined;
  const { url } = resolveDatabaseConfig({ url: opts.dbUrl }, config?.database);
  if (!url)
    throw new CliError(
      'pipeline worker: needs the PostgreSQL database of the cluster (--db-url, RXVISION_DATABASE_URL or database.url in --config)',
      ExitCode.invalidConfig,
    );
  configurePools(config?.pools);
  const boss = await openDedupQueue(url).catch((err: unknown) => {
    throw new CliError((err as Error).message, ExitCode.database);
  });
  const pool = hashPool();
  let batches = 0;
  let failed = 0;
  const batchesMetric = counter('rxvision_dedup_worker_batches_total', 'Dedup batches this worker ran', [
    'outcome',
  ]);
  const lastBatch = gauge(
    'rxvision_dedup_worker_last_batch_timestamp_seconds',
    'When this worker last finished a batch (Unix time)',
  );
  const serving = await serveDedupQueue(boss, pool, {
    concurrency: opts.concurrency,
    workerId: opts.id,
    onBatch: ({ ok }) => {
      batches++;
      if (!ok) failed++;
      batchesMetric.inc({ outcome: ok ? 'ok' : 'failed' });
      lastBatch.set(Date.now() / 1000);
    },
  });
  const web =
    opts.metricsPort === undefined ? undefined : await startWorkerMetrics(opts.metricsPort, serving.workerId);
  if (web) process.stderr.write(`worker ${serving.workerId}: metrics at ${web.url}metrics\n`);
  process.stderr.write(
    `worker ${serving.workerId}: serving the dedup queue at ${redactUrl(url)} (Ctrl-C stops)\n`,
  );
  const shutdown = createShutdown({ deadlineMs: 35_000 });
  shutdown.onStop(
    'dedup queue',
    async () => {
      await serving.stop();
      await boss.stop({ graceful: true, wait: true, timeout: 30_000 });
      logger().info({ worker: serving.workerId, batches, failed }, 'worker stopped');
    },
    'sources',
  );
  shutdown.onStop('worker pools', () => closeAllPools({ drainMs: 2_000 }), 'pools');
  if (web) shutdown.onStop('metrics server', () => web.close(), 'sinks');
  // Runs until a signal: the stop sequence then exits with 130 (interrupted), the CLI convention.
  await shutdown.done;
}

/** Registers `pipeline worker`. */
export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description(
      'take dedup batches (features, candidate pairs) queued by `pipeline dedup --cluster` from the shared PostgreSQL database; runs until stopped',
    )
    .option('--config <file>', 'take database and pools settings from a config file')
    .option(
      '--db-url <url>',
      'PostgreSQL URL of the cluster (default: RXVISION_DATABASE_URL, else the config database)',
    )
    .option(
      '--concurrency <n>',
      'batches run at once (default: twice the hash pool size)',
      intOption('--concurrency', 1),
    )
    .option(
      '--metrics-port <port>',
      'serve Prometheus /metrics (batches by outcome, last batch time, process) on 127.0.0.1:<port> (0: any free port)',
      intOption('--metrics-port', 0),
    )
    .option('--id <name>', "this worker's name in results and `pipeline cluster status` (default host:pid)")
    .addHelpText(
      'after',
      '\nEvery host must see the files at the same absolute path as the coordinating `pipeline dedup` (the same mount point).',
    )
    .action(async (opts: WorkerCommandOptions) => {
      await runWorkerCommand(opts);
    });
}
