import path from 'node:path';
import { promises as fs } from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { loadConfig, type RxvisionConfig } from '../../config';
import type { DedupJobConfig } from '../../config/schema/dedup';
import {
  DatabaseError,
  openDatabase,
  resolveDatabaseConfig,
  type Database,
  type DatabaseConfig,
} from '../../db';
import { undoActions } from '../../pipelines/dedup/undo';
import { runDedupJob, type DedupJobOptions, type DedupJobResult } from '../../pipelines/dedup/job';
import { runClusterDedupJob } from '../../cluster/dedup/job';
import { runConfigDedupJobs } from '../../pipelines/dedup/run-config-jobs';
import { selfExcludes } from '../../pipelines/dedup/self-excludes';
import { createProgressDisplay, type ProgressDisplay } from '../display/dedup-progress';
import {
  dedupSettingsSchema,
  MOBILENET_EMBEDDING,
  type DedupSettings,
} from '../../config/schema/dedup-settings';
import { BUILTIN_MOBILENET } from '../../kernels/features/types';
import { mobilenetOnnxPath } from '../../models/mobilenet-model';
import { hashPool } from '../../pools/kinds';
import { closeAllPools, configurePools } from '../../pools/registry';
import { createShutdown, type Shutdown } from '../../runtime/shutdown';
import { redactUrl } from '../../util/redact';
import { CliError, ExitCode, exitCodeOfOutcome } from '../exit-codes';

/** Options of `pipeline dedup` as commander parses them. */
export interface DedupCommandOptions {
  out: string;
  include?: string[];
  exclude?: string[];
  config?: string;
  job?: string;
  action: 'report' | 'move' | 'hardlink' | 'delete';
  target?: string;
  confirm?: boolean;
  undo?: string;
  followSymlinks?: boolean;
  flip?: boolean;
  rotate?: boolean;
  /** The built-in MobileNetV2 embedding (`features.embedding: "mobilenet"`). */
  deep?: boolean;
  embeddingModel?: string;
  embeddingSize?: number;
  embeddingLayout?: 'NCHW' | 'NHWC';
  embeddingMean?: [number, number, number];
  embeddingStd?: [number, number, number];
  workingSet?: number;
  maxImagePixels?: number;
  cache: boolean;
  dbUrl?: string;
  dataDir?: string;
  json?: boolean;
  progress: boolean;
  cluster?: boolean;
  /** With --cluster: false when this process should only coordinate (`--no-work`). */
  work?: boolean;
}

function triple(name: string) {
  return (value: string): [number, number, number] => {
    const parts = value.split(',').map((s) => Number(s.trim()));
    if (parts.length !== 3 || parts.some((n) => !Number.isFinite(n)))
      throw new InvalidArgumentError(`${name} must be three comma-separated numbers, got "${value}"`);
    return parts as [number, number, number];
  };
}

function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0)
      throw new InvalidArgumentError(`${name} must be a positive integer, got "${value}"`);
    return n;
  };
}

/** The config file's dedup job whose settings apply: `--job <id>`, else the only job. */
function pickJob(config: RxvisionConfig | undefined, file: string | undefined, id: string | undefined) {
  const jobs = config?.dedup ?? [];
  if (id) {
    const job = jobs.find((j) => j.id === id);
    if (!job)
      throw new CliError(
        `${file}: no dedup job with id "${id}" (have: ${jobs.map((j) => j.id).join(', ') || 'none'})`,
        ExitCode.invalidConfig,
      );
    return job;
  }
  return jobs.length === 1 ? jobs[0] : undefined;
}

/** Settings from the config job (if any) overridden by command-line flags (pure). */
export function settingsFromOptions(opts: DedupCommandOptions, job?: DedupJobConfig): DedupSettings {
  const base = job?.settings ?? dedupSettingsSchema.parse({});
  const features = { ...base.features };
  if (opts.flip || opts.rotate) features.variants = true;
  if (opts.deep) features.embedding = { ...MOBILENET_EMBEDDING };
  if (opts.maxImagePixels) features.limitInputPixels = opts.maxImagePixels;
  if (opts.embeddingModel) {
    const own = base.features.embedding?.model !== BUILTIN_MOBILENET ? base.features.embedding : undefined;
    features.embedding = {
      ...(own ?? {
        inputSize: 224,
        layout: 'NCHW',
        mean: [0.485, 0.456, 0.406],
        std: [0.229, 0.224, 0.225],
        greyscale: false,
        flipSum: false,
      }),
      model: path.resolve(opts.embeddingModel),
    };
  }
  if (features.embedding) {
    features.embedding = {
      ...features.embedding,
      ...(opts.embeddingSize ? { inputSize: opts.embeddingSize } : {}),
      ...(opts.embeddingLayout ? { layout: opts.embeddingLayout } : {}),
      ...(opts.embeddingMean ? { mean: opts.embeddingMean } : {}),
      ...(opts.embeddingStd ? { std: opts.embeddingStd } : {}),
    };
  }
  const out = path.resolve(opts.out);
  const action = opts.action !== 'report' || !job ? opts.action : base.actions.action;
  const defaultTarget = { report: undefined, move: 'duplicates', delete: 'trash', hardlink: 'backup' }[
    action
  ];
  const targetDir = opts.target
    ? path.resolve(opts.target)
    : (base.actions.targetDir ?? (defaultTarget && path.join(out, defaultTarget)));
  const actions = {
    ...base.actions,
    action,
    ...(targetDir ? { targetDir } : {}),
    confirm: opts.confirm === true || (base.actions.confirm && opts.confirm !== false),
  };
  const verify = opts.workingSet ? { ...base.verify, workingSet: opts.workingSet } : base.verify;
  const parsed = dedupSettingsSchema.safeParse({ ...base, features, verify, actions });
  if (!parsed.success) {
    throw new CliError(
      `invalid dedup settings: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      ExitCode.invalidConfig,
    );
  }
  return parsed.data;
}

/** A one-screen summary of a job result (`out`: the report folder, if any). */
export function formatDedupSummary(r: DedupJobResult, out: string | undefined, confirmed: boolean): string {
  const s = r.stats;
  const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
  if (r.interrupted) {
    return [
      `interrupted: ${s.files} images scanned; features: ${s.featuresComputed} computed (cached), ${s.featuresCached} from cache; ${(s.elapsedMs / 1000).toFixed(1)} s`,
      'no groups, actions or report on a partial run: run the same command again to finish (cached features are reused)',
    ].join('\n');
  }
  const lines = [
    `${s.files} images scanned, ${s.groups} duplicate groups (${s.exactGroups} exact), ${s.duplicates} duplicates, ${mb(s.reclaimableBytes)} reclaimable`,
    `features: ${s.featuresComputed} computed, ${s.featuresCached} from cache${s.featuresPruned ? `, ${s.featuresPruned} stale rows pruned` : ''}; ` +
      `${s.candidates} candidate pairs (${s.reused} decisions reused), ${s.verified} verified; ${s.skipped} files skipped; ${(s.elapsedMs / 1000).toFixed(1)} s`,
  ];
  if (r.outcomes.length) {
    const by = (st: string) => r.outcomes.filter((o) => o.status === st).length;
    if (!confirmed) {
      lines.push(
        `dry run: ${r.outcomes.length} ${r.outcomes[0].action} steps would run (add --confirm to perform them):`,
      );
      for (const o of r.outcomes.slice(0, 20))
        lines.push(`  ${o.action} ${o.from}${o.to ? ` -> ${o.to}` : ''}`);
      if (r.outcomes.length > 20) lines.push(`  ... ${r.outcomes.length - 20} more (see the report)`);
    } else {
      lines.push(
        `actions: ${by('done')} done, ${by('skipped')} skipped (changed since the scan, links or outside the root), ${by('failed')} failed; undo log: ${r.undoLog}`,
      );
      for (const o of r.outcomes.filter((x) => x.status === 'failed' || x.status === 'skipped'))
        lines.push(`  ${o.status}${o.code ? ` (${o.code})` : ''}: ${o.from}: ${o.error}`);
    }
  }
  lines.push(
    out
      ? `report: ${path.join(out, 'report.html')} (also report.json, report.csv)`
      : 'report: none (no report folder)',
  );
  return lines.join('\n');
}

async function runUndo(file: string, dir: string | undefined, json: boolean | undefined): Promise<void> {
  const outcomes = await undoActions(path.resolve(file), dir ? { root: path.resolve(dir) } : {});
  const by = (st: string) => outcomes.filter((o) => o.status === st).length;
  if (json) process.stdout.write(`${JSON.stringify({ outcomes })}\n`);
  else {
    process.stdout.write(
      `undo: ${by('restored')} restored, ${by('irreversible')} irreversible, ${by('incomplete')} incomplete, ${by('refused')} refused, ${by('failed')} failed\n`,
    );
    for (const o of outcomes.filter((x) => x.status !== 'restored'))
      process.stdout.write(`  ${o.status}: ${o.record.from}${o.error ? `: ${o.error}` : ''}\n`);
  }
  if (by('failed') + by('refused') + by('incomplete') > 0) process.exitCode = ExitCode.failure;
}

/**
 * A database is opened for the feature cache, or for the run's result rows when one was named (`--db-url`,
 * `--data-dir`, `RXVISION_DATABASE_URL`, the config file): `--no-cache` alone starts no PGlite (its start
 * costs seconds and 200-370 MB, more than the job on a folder of a few thousand images).
 */
function wantsDatabase(opts: DedupCommandOptions, dbConfig: DatabaseConfig): boolean {
  return opts.cache || Boolean(dbConfig.url || dbConfig.dataDir);
}

async function openMigrated(dbConfig: DatabaseConfig): Promise<Database> {
  try {
    const database = await openDatabase(dbConfig);
    await database.migrate();
    return database;
  } catch (err) {
    const where = dbConfig.url ? redactUrl(dbConfig.url) : (dbConfig.dataDir ?? './data/db');
    if (err instanceof DatabaseError) throw err;
    throw new CliError(`database ${where}: ${(err as Error).message}`, ExitCode.database);
  }
}

/** Runs `pipeline dedup <dir>` with parsed options. */
export async function runDedupCommand(dir: string | undefined, opts: DedupCommandOptions): Promise<void> {
  if (opts.undo) return runUndo(opts.undo, dir, opts.json);
  if (!dir)
    throw new CliError(
      'pipeline dedup: give a directory to scan (or --undo <undo.jsonl>)',
      ExitCode.invalidConfig,
    );
  const root = path.resolve(dir);
  const st = await fs.stat(root).catch(() => undefined);
  if (!st?.isDirectory()) throw new CliError(`${root}: not a directory`, ExitCode.invalidConfig);
  const config = opts.config ? await loadConfig(opts.config) : undefined;
  const job = pickJob(config, opts.config, opts.job);
  const settings = settingsFromOptions(opts, job);
  if (settings.features.embedding?.model === BUILTIN_MOBILENET) {
    // Converted here once (not in each worker); a missing asset exits with the assets error's code.
    mobilenetOnnxPath();
  } else if (settings.features.embedding) {
    const model = settings.features.embedding.model;
    if (!(await fs.stat(model).catch(() => undefined))?.isFile())
      throw new CliError(`embedding model ${model}: file not found`, ExitCode.invalidConfig);
  }
  const out = path.resolve(opts.out);
  const dbConfig = resolveDatabaseConfig({ url: opts.dbUrl, dataDir: opts.dataDir }, config?.database);
  const clustered = opts.cluster === true || job?.cluster?.enabled === true;
  const clusterUrl = dbConfig.url;
  if (clustered && !clusterUrl)
    throw new CliError(
      'pipeline dedup --cluster: needs a PostgreSQL database shared with the workers (--db-url, RXVISION_DATABASE_URL or database.url in --config); PGlite serves one process',
      ExitCode.invalidConfig,
    );
  configurePools(config?.pools);
  // The workers start (threads loading sharp) while the database opens.
  const pool = hashPool();
  let database: Database | undefined;
  try {
    database = wantsDatabase(opts, dbConfig) ? await openMigrated(dbConfig) : undefined;
  } catch (err) {
    await closeAllPools({ drainMs: 0 });
    throw err;
  }
  const display =
    opts.progress && !opts.json ? createProgressDisplay() : createProgressDisplay({ tty: false });
  // SIGINT/SIGTERM: the job stops scanning and pulling files, lets tasks in flight finish and writes their
  // cache rows, then skips verification and actions; exit 130. A second signal exits at once.
  let finished = false;
  const shutdown = createShutdown({
    deadlineMs: 30_000,
    exit: (outcome) => {
      if (outcome === 'interrupted' && !finished) process.exit(ExitCode.interrupted);
    },
  });
  const abort = new AbortController();
  shutdown.shutdown$.subscribe(() => abort.abort());
  shutdown.onStop('worker pools', () => closeAllPools({ drainMs: 2_000 }), 'pools');
  if (database) shutdown.onStop('database', () => database.close(), 'database');
  let failure: unknown;
  const work = (async () => {
    try {
      const jobOptions: DedupJobOptions = {
        root,
        out,
        pool,
        db: database?.db,
        cache: opts.cache,
        jobId: job?.id,
        settings,
        scan: {
          include: opts.include ?? job?.include,
          exclude: [
            ...(opts.exclude ?? job?.exclude ?? []),
            ...selfExcludes(root, [out, settings.actions.targetDir]),
          ],
          followSymlinks: opts.followSymlinks ?? job?.scan?.followSymlinks,
        },
        onProgress: display.listener,
        signal: abort.signal,
      };
      const result =
        clusterUrl && clustered
          ? await runClusterDedupJob({
              ...jobOptions,
              url: clusterUrl,
              cluster: { ...job?.cluster, ...(opts.work === false ? { work: false } : {}) },
            })
          : await runDedupJob(jobOptions);
      display.stop();
      if (opts.json)
        process.stdout.write(
          `${JSON.stringify({ runId: result.runId, out, undoLog: result.undoLog, interrupted: result.interrupted, ...result.stats, outcomes: result.outcomes })}\n`,
        );
      else process.stdout.write(`${formatDedupSummary(result, out, settings.actions.confirm)}\n`);
      if (result.outcomes.some((o) => o.status === 'failed')) process.exitCode = ExitCode.failure;
    } catch (err) {
      display.stop();
      failure = err;
    }
  })();
  // The stop sequence runs when the job ends (or on a signal): pools, then the database.
  const outcome = await shutdown.run(work);
  finished = true;
  shutdown.dispose();
  // A DedupActionConfigError (missing targetDir, file outside the root) ends with exit code 2 in runCli.
  if (failure !== undefined) throw failure;
  if (outcome !== 'completed') process.exitCode = exitCodeOfOutcome(outcome);
}

/** Registers `pipeline dedup [dir]`. */
export function registerDedupCommand(program: Command): void {
  program
    .command('dedup [dir]')
    .description(
      'find near-duplicate images under <dir>; write JSON/CSV/HTML reports; optionally move, hardlink or delete duplicates',
    )
    .option(
      '--out <reportDir>',
      'report folder (report.json, report.csv, report.html, undo.jsonl)',
      './dedup-report',
    )
    .option('--include <glob...>', 'only files matching these globs (relative to <dir>)')
    .option('--exclude <glob...>', 'leave out files and folders matching these globs')
    .option('--config <file>', 'take database, pools and dedup settings from a config file')
    .option('--job <id>', 'which dedup job of --config to take settings from (default: the only one)')
    .addOption(
      new Option('--action <action>', 'what to do with duplicates')
        .choices(['report', 'move', 'hardlink', 'delete'])
        .default('report'),
    )
    .option(
      '--target <dir>',
      'move: destination; delete: trash; hardlink: backup folder (default under --out)',
    )
    .option('--confirm', 'perform move/hardlink/delete (otherwise a dry run that prints what would happen)')
    .option(
      '--undo <undo.jsonl>',
      'undo the steps recorded in an undo log, then exit (with <dir>: only steps of runs over <dir>)',
    )
    .option(
      '--follow-symlinks',
      'also scan files and folders reached through symbolic links inside <dir> (reported, never acted on)',
    )
    .option('--flip', 'also find mirrored copies')
    .option('--rotate', 'also find copies rotated by 90/180/270 degrees')
    .option(
      '--deep',
      'CNN embedding with the built-in MobileNetV2 (features.embedding: "mobilenet"): candidates by embedding find flipped, greyscale, rotated and cropped copies; needs `pipeline assets fetch --only mobilenet`',
    )
    .option('--embedding-model <onnx>', 'ONNX model for the CNN embedding stage')
    .option(
      '--embedding-size <px>',
      'embedding model input side (default 224)',
      positiveInt('--embedding-size'),
    )
    .addOption(new Option('--embedding-layout <layout>', 'embedding input layout').choices(['NCHW', 'NHWC']))
    .option('--embedding-mean <r,g,b>', 'per-channel mean, pixels in 0..1', triple('--embedding-mean'))
    .option('--embedding-std <r,g,b>', 'per-channel std', triple('--embedding-std'))
    .option(
      '--working-set <n>',
      'images whose feature data verification holds at most (memory vs cache reads; default 32768)',
      positiveInt('--working-set'),
    )
    .option(
      '--max-image-pixels <n>',
      'skip (and report) images with more pixels, as decompression bombs (overrides features.limitInputPixels)',
      positiveInt('--max-image-pixels'),
    )
    .option(
      '--no-cache',
      'do not read or write the feature cache (and open no database unless --db-url/--data-dir/config names one)',
    )
    .option('--db-url <url>', 'PostgreSQL URL (default: the config database, else PGlite in ./data/db)')
    .option('--data-dir <dir>', 'PGlite data directory')
    .option('--no-progress', 'no progress bars')
    .option('--json', 'print the summary as JSON')
    .option(
      '--cluster',
      'queue feature batches and blocks of candidate pairs for `pipeline worker` processes (needs a PostgreSQL database; files at the same absolute path on every host)',
    )
    .option('--no-work', 'with --cluster: only coordinate, take no batches in this process')
    .action(async (dir: string | undefined, opts: DedupCommandOptions) => {
      await runDedupCommand(dir, opts);
    });
}

/**
 * Runs the dedup jobs of a loaded config (used by `pipeline run`) and prints each job's summary; a failed
 * job (or failed action) makes the exit code 1. A stop of `shutdown` ends the running job gracefully and
 * skips the jobs not started yet.
 */
export async function runConfigJobsCommand(
  config: RxvisionConfig,
  options: { json?: boolean; shutdown?: Pick<Shutdown, 'shutdown$'> } = {},
): Promise<void> {
  if (!config.dedup?.length) return;
  const abort = new AbortController();
  const stopSub = options.shutdown?.shutdown$.subscribe(() => abort.abort());
  let display: ProgressDisplay | undefined;
  try {
    await runConfigDedupJobs(config, {
      signal: abort.signal,
      onJobStart: () => {
        display = createProgressDisplay({ tty: process.stderr.isTTY === true && !options.json });
        return display.listener;
      },
      onJobEnd: (outcome) => {
        display?.stop();
        display = undefined;
        if (outcome.status === 'failed') process.exitCode = ExitCode.failure;
        if (outcome.status !== 'done') return;
        const { job, result, settings } = outcome;
        process.stdout.write(
          options.json
            ? `${JSON.stringify({ dedupJob: job.id, runId: result.runId, undoLog: result.undoLog, interrupted: result.interrupted, ...result.stats })}\n`
            : `dedup ${job.id}:\n${formatDedupSummary(result, job.out, settings.actions.confirm)}\n`,
        );
        if (result.outcomes.some((o) => o.status === 'failed')) process.exitCode = ExitCode.failure;
      },
    });
  } finally {
    stopSub?.unsubscribe();
  }
}
