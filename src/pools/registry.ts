/**
 * One shared pool per kind for the whole process: several camera channels or dedup jobs asking for the
 * 'detect' pool get the same workers (models are loaded once per worker, not once per pipeline).
 * Sizes come from `pools.<kind>` in the config, else the pool spec, else `autoConfigure()`; the timeout
 * policy from the config, else the spec, else {@link defaultTimeoutPolicy}.
 */
import { logger } from '../util/logger';
import { autoConfigure, POOL_KINDS, type AutoConfig, type PoolKind } from './autoconfig';
import { createPool, type PoolOptions, type WorkerApi, type WorkerPool } from './pool';
import type { TimeoutPolicy } from './policy';

/** Per-kind settings from the config file (`pools.<kind>`); structurally the config's `PoolsConfig`. */
export type PoolOverrides = Record<
  string,
  | {
      size?: number;
      taskTimeoutMs?: number;
      onTimeout?: TimeoutPolicy;
      concurrency?: number;
      maxQueued?: number;
    }
  | undefined
>;

/**
 * Pool kinds whose workers load onnxruntime-node (detect: BlazeFace/face-api models, and OpenCV for Haar,
 * which must not be reloaded into a new thread either; embed; classify). Terminating such a worker while
 * ORT runs in it aborts the whole process, so a timed-out task is abandoned rather than its worker
 * terminated. `hash` is not among them: its workers load ORT only for the optional dedup embedding model,
 * and declare it when they do (`declareUnsafeToTerminate`), so a hung decode in a hash worker without
 * ORT gets its thread terminated instead of leaking it.
 */
export const ORT_POOL_KINDS: readonly string[] = ['detect', 'embed', 'classify'];

/** The `onTimeout` a pool of `kind` gets unless the config or the pipeline says otherwise. */
export function defaultTimeoutPolicy(kind: string): TimeoutPolicy {
  return ORT_POOL_KINDS.includes(kind) ? 'abandon' : 'terminate';
}

/** What a pipeline asks for: everything `createPool` takes except the name; `size` is optional. */
export type PoolSpec = Omit<PoolOptions, 'name' | 'size'> & { size?: number };

const pools = new Map<string, { pool: WorkerPool<unknown>; worker: string }>();
let overrides: PoolOverrides = {};
let auto: AutoConfig | undefined;

/** The live shared pools by kind (read-only view). */
export const sharedPools: ReadonlyMap<string, WorkerPool<unknown>> = {
  get size() {
    return pools.size;
  },
  get: (kind: string) => pools.get(kind)?.pool,
  has: (kind: string) => pools.has(kind),
  keys: () => pools.keys(),
  values: () => [...pools.values()].map((p) => p.pool)[Symbol.iterator](),
  entries: () =>
    [...pools.entries()].map(([k, p]) => [k, p.pool] as [string, WorkerPool<unknown>])[Symbol.iterator](),
  forEach(callback, thisArg) {
    for (const [k, p] of pools) callback.call(thisArg, p.pool, k, this);
  },
  [Symbol.iterator]() {
    return this.entries();
  },
};

/**
 * Sets the config's per-kind overrides (call once after loading the config, before pipelines start) and,
 * optionally, the auto-configuration to size the remaining kinds with (default: `autoConfigure()`).
 */
export function configurePools(config: PoolOverrides | undefined, autoConfig?: AutoConfig): void {
  overrides = { ...(config ?? {}) };
  if (autoConfig) auto = autoConfig;
}

/**
 * The auto-configuration in force: the one given to {@link configurePools}, else `autoConfigure()` for
 * this machine (computed once).
 */
export function poolAutoConfig(): AutoConfig {
  auto ??= autoConfigure();
  return auto;
}

/** The size a pool of `kind` gets: config override, else `specSize`, else auto-configured, else 1. */
export function resolvePoolSize(kind: string, specSize?: number): { size: number; reason: string } {
  const configured = overrides[kind]?.size;
  if (configured !== undefined) return { size: configured, reason: `pools.${kind}.size in the config` };
  if (specSize !== undefined) return { size: specSize, reason: 'set by the pipeline' };
  if ((POOL_KINDS as readonly string[]).includes(kind)) return poolAutoConfig().pools[kind as PoolKind];
  return { size: 1, reason: `no auto-configuration for pool kind ${kind}` };
}

/**
 * The shared pool of `kind`, created on first use from `spec`. Later callers get the same pool; asking for
 * it with a different worker file is an error (two kinds would share one name).
 */
export function getPool<Api = WorkerApi>(kind: string, spec?: PoolSpec): WorkerPool<Api> {
  const existing = pools.get(kind);
  if (existing) {
    if (spec && spec.worker !== existing.worker) {
      throw new Error(
        `pool ${kind} already runs worker ${existing.worker}; cannot reuse it for ${spec.worker}`,
      );
    }
    return existing.pool as WorkerPool<Api>;
  }
  if (!spec) throw new Error(`pool ${kind} does not exist yet: pass its worker spec to getPool`);
  const { size, reason } = resolvePoolSize(kind, spec.size);
  const o = overrides[kind] ?? {};
  const pool = createPool<Api>({
    ...spec,
    name: kind,
    size,
    taskTimeoutMs: o.taskTimeoutMs ?? spec.taskTimeoutMs,
    onTimeout: o.onTimeout ?? spec.onTimeout ?? defaultTimeoutPolicy(kind),
    concurrency: o.concurrency ?? spec.concurrency,
    maxQueued: o.maxQueued ?? spec.maxQueued,
  });
  logger().info({ pool: kind, size, reason }, 'worker pool started');
  pools.set(kind, { pool: pool as WorkerPool<unknown>, worker: spec.worker });
  return pool;
}

/** Terminates every shared pool (after waiting up to `drainMs` for their tasks) and forgets them. */
export async function closeAllPools(options: { drainMs?: number } = {}): Promise<void> {
  const all = [...pools.values()].map((p) => p.pool);
  pools.clear();
  await Promise.all(
    all.map(async (pool) => {
      if (options.drainMs)
        await Promise.race([pool.drain(), new Promise((r) => setTimeout(r, options.drainMs).unref())]);
      await pool.terminate();
    }),
  );
}
