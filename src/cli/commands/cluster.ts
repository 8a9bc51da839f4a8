/** `pipeline cluster status <config> [--json]`: the nodes of a cluster, their heartbeats and channels. */
import type { Command } from 'commander';
import { clusterSettings, ClusterConfigError } from '../../cluster/setup';
import { clusterStatus } from '../../cluster/status';
import { dedupQueueStatus } from '../../cluster/dedup/status';
import { loadConfig } from '../../config';
import { DatabaseError, openDatabase } from '../../db';
import { dedupQueueSection, formatClusterStatus, type StatusSection } from '../display/cluster-status';
import { CliError, ExitCode } from '../exit-codes';

/** Prints the status of the cluster the config describes. */
export async function runClusterStatus(file: string, opts: { json?: boolean }): Promise<void> {
  const config = await loadConfig(file);
  let settings;
  try {
    settings = clusterSettings(config);
  } catch (err) {
    if (err instanceof ClusterConfigError)
      throw new CliError(`${file}: ${err.message}`, ExitCode.invalidConfig);
    throw err;
  }
  let database;
  try {
    database = await openDatabase(config.database);
  } catch (err) {
    if (err instanceof DatabaseError) throw new CliError(err.message, ExitCode.database);
    throw err;
  }
  try {
    await database.migrate();
    const channels = (config.channels ?? []).filter((c) => c.enabled).map((c) => c.id);
    const status = await clusterStatus(database.db, settings.namespace, settings.hungAfterMs, channels);
    // Sections after the nodes: the dedup queue's batches and workers (pg-boss tables), when there are any.
    const sections = [dedupQueueSection(await dedupQueueStatus(database.db))].filter(
      (s): s is StatusSection => s !== undefined,
    );
    process.stdout.write(
      opts.json
        ? `${JSON.stringify({ ...status, sections: Object.fromEntries(sections.map((s) => [s.title, s.json])) })}\n`
        : `${formatClusterStatus(status, sections)}\n`,
    );
  } finally {
    await database.close();
  }
}

/** `pipeline cluster ...` */
export function registerClusterCommand(program: Command): void {
  const cluster = program
    .command('cluster')
    .description('cluster mode: see the nodes that run a config (PostgreSQL only)');
  cluster
    .command('status <config>')
    .description("nodes of the cluster, their heartbeats (lag), their channels and each channel's state")
    .option('--json', 'print the status as one JSON document')
    .action((file: string, opts: { json?: boolean }) => runClusterStatus(file, opts));
}
