import { z } from 'zod';
import { channelSchema, channelDefaultsSchema } from './channel';
import { dedupJobSchema } from './dedup';
import { demographicsQueueSchema } from './demographics';
import { identitiesSchema } from './reid';
import { clusterSchema } from './cluster';
import { TIMEOUT_POLICIES } from '../../pools/policy';

/** Where PGlite keeps its files when `database.dataDir` is not given (relative to the working directory). */
export const DEFAULT_DATA_DIR = './data/db';

/** Log levels accepted by `log.level` (pino's levels plus `silent`). */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** PostgreSQL connect timeout when `database.connectTimeoutMs` is not given. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/** PostgreSQL query and statement timeout when `database.queryTimeoutMs` is not given. */
export const DEFAULT_QUERY_TIMEOUT_MS = 10_000;
/** Spool size cap per table when `database.spoolMaxBytes` is not given (1 GiB). */
export const DEFAULT_SPOOL_MAX_BYTES = 1024 ** 3;

export const databaseSchema = z
  .strictObject({
    url: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'a postgres:// or postgresql:// URL')
      .optional()
      .describe(
        'PostgreSQL connection URL (postgres://user:password@host:5432/db). Put credentials in the environment: "${DATABASE_URL}". When absent, the embedded PGlite database is used.',
      ),
    dataDir: z
      .string()
      .min(1)
      .optional()
      .meta({ default: DEFAULT_DATA_DIR })
      .describe(
        'PGlite data directory, relative to this config file. When absent: ./data/db under the working directory. Ignored when url is set.',
      ),
    poolSize: z.int().min(1).optional().describe('Maximum PostgreSQL connections (pg Pool size).'),
    connectTimeoutMs: z
      .int()
      .min(100)
      .optional()
      .meta({ default: DEFAULT_CONNECT_TIMEOUT_MS })
      .describe(
        'PostgreSQL: give up connecting after this many ms (the write is retried, then its rows spooled).',
      ),
    queryTimeoutMs: z
      .int()
      .min(100)
      .optional()
      .meta({ default: DEFAULT_QUERY_TIMEOUT_MS })
      .describe(
        'PostgreSQL: a query (and the server-side statement) taking longer fails as transient, so a server that stops answering spools rows instead of stalling the writer.',
      ),
    spoolMaxBytes: z
      .int()
      .min(1024)
      .optional()
      .meta({ default: DEFAULT_SPOOL_MAX_BYTES })
      .describe(
        "Largest size of one table's spool file (rows kept while the database is unreachable); past it the run stops with an error rather than fill the disk.",
      ),
  })
  .describe('Database: PostgreSQL when url is set, otherwise embedded PGlite');

export const poolSchema = z
  .strictObject({
    size: z
      .int()
      .min(1)
      .optional()
      .describe('Worker threads in this pool (default: chosen from the CPU count).'),
    taskTimeoutMs: z
      .int()
      .positive()
      .optional()
      .describe(
        'A task running longer than this is failed with a timeout; onTimeout says what happens to its worker.',
      ),
    onTimeout: z
      .enum(TIMEOUT_POLICIES)
      .optional()
      .describe(
        'Worker of a timed-out task: "terminate" replaces it; "abandon" lets it finish the task out of rotation (its result discarded). Default: "abandon" for detect, embed and classify (onnxruntime aborts the process if its thread is terminated; a hash worker switches to it once it loads the embedding model), else "terminate".',
      ),
  })
  .describe('Settings of one worker pool');

export const poolsSchema = z
  .record(
    z
      .string()
      .regex(
        /^[a-z][a-z0-9-]*$/,
        'a lowercase pool kind such as detect, haar, embed, classify, hash or encode',
      )
      // Named so that old configs fail with a reason rather than sizing a pool nothing uses.
      .regex(/^(?!decode$)/, 'the "decode" pool kind was removed (it had no worker): delete this entry'),
    poolSchema,
  )
  .describe('Worker pools by kind: detect, haar (child processes), embed, classify, hash, encode');

export const logSchema = z
  .strictObject({
    level: z.enum(LOG_LEVELS).optional().describe('Log level (the --log-level option overrides it).'),
  })
  .describe('Logging');

export const webSchema = z
  .strictObject({
    enabled: z.boolean().optional().describe('Serve the web UI and API.'),
    host: z.string().min(1).default('127.0.0.1').describe('Address to listen on.'),
    port: z.int().min(0).max(65535).default(8080).describe('TCP port to listen on.'),
    token: z
      .string()
      .min(1)
      .optional()
      .describe('Bearer token required by the API. Keep it in the environment: "${RXVISION_WEB_TOKEN}".'),
    fps: z
      .number()
      .positive()
      .max(60)
      .default(5)
      .describe('Live view: annotated frames per second per channel.'),
    jpegQuality: z.int().min(1).max(100).default(75).describe('Live view: JPEG quality (1-100).'),
    maxWidth: z
      .int()
      .min(16)
      .default(640)
      .describe('Live view: frames wider than this are scaled down before encoding (grid thumbnails; cost).'),
    allowedHosts: z
      .array(z.string().min(1))
      .optional()
      .describe(
        'Host names requests may be addressed to (Host header), besides loopback ones; ".example.com" allows subdomains. Loopback binds always check it (DNS rebinding); other binds only when set.',
      ),
    maxStreams: z.int().min(1).default(10).describe('Most live MJPEG streams served at once; more get 503.'),
    reports: z
      .record(
        z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'a report name (letters, digits, _ . -)'),
        z.string().min(1),
      )
      .optional()
      .describe(
        'Report folders served at /reports/<name>/ (e.g. dedup reports), relative to this config file.',
      ),
  })
  .describe('Web UI and HTTP API');

export const metricsSchema = z
  .strictObject({
    enabled: z.boolean().optional().describe('Expose Prometheus metrics.'),
  })
  .describe('Prometheus metrics');

/** Adds an issue at `[index].id` for every item whose `id` repeats an earlier one. */
function uniqueIds(what: string) {
  return (items: unknown[], ctx: z.RefinementCtx<unknown[]>): void => {
    if (!Array.isArray(items)) return; // runs after a failed type check too (see alwaysCheck)
    const firstIndex = new Map<string, number>();
    items.forEach((item, index) => {
      const id = (item as { id?: unknown } | null)?.id;
      if (typeof id !== 'string') return;
      const first = firstIndex.get(id);
      if (first === undefined) firstIndex.set(id, index);
      else
        ctx.addIssue({
          code: 'custom',
          path: [index, 'id'],
          message: `expected a unique ${what} id, found "${id}" which is also the id of [${first}]`,
        });
    });
  };
}

// Runs even when other items failed, so a duplicate id is reported together with every other issue.
const alwaysCheck = { when: () => true };

export const rxvisionConfigSchema = z
  .strictObject({
    $schema: z.string().optional().describe('JSON Schema for editors, e.g. "./rxvision.schema.json".'),
    database: databaseSchema.optional(),
    pools: poolsSchema.optional(),
    log: logSchema.optional(),
    channelDefaults: channelDefaultsSchema.optional(),
    channels: z
      .array(channelSchema)
      .superRefine(uniqueIds('channel'), alwaysCheck)
      .optional()
      .describe('Camera channels; ids must be unique'),
    dedup: z
      .array(dedupJobSchema)
      .superRefine(uniqueIds('dedup job'), alwaysCheck)
      .optional()
      .describe('Image dedup jobs; ids must be unique'),
    web: webSchema.optional(),
    metrics: metricsSchema.optional(),
    identities: identitiesSchema.optional(),
    demographics: demographicsQueueSchema.optional(),
    cluster: clusterSchema.optional(),
  })
  .describe('rxvision pipeline configuration');

/** A validated rxvision config (defaults applied). */
export type RxvisionConfig = z.infer<typeof rxvisionConfigSchema>;
/** A config as written in a file, before defaults. */
export type RxvisionConfigInput = z.input<typeof rxvisionConfigSchema>;
export type DatabaseConfig = z.infer<typeof databaseSchema>;
export type PoolConfig = z.infer<typeof poolSchema>;
export type PoolsConfig = z.infer<typeof poolsSchema>;
export type LogConfig = z.infer<typeof logSchema>;
export type WebConfig = z.infer<typeof webSchema>;
export type MetricsConfig = z.infer<typeof metricsSchema>;
