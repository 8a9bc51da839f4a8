/**
 * Auto-configuration of pool sizes and batch sizes from the machine's cores and memory: the original
 * dedup system's ThreadingOptimizer, redone as a pure function (`autoConfigure`) fed by `detectSystem()`.
 * Every number comes with a sentence saying why, so `pipeline` can print it and users can override it
 * (`pools.<kind>.size` in the config).
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';

/**
 * Pool kinds sized here (every CPU-heavy worker kind; the encode pool is sized by the live view);
 * pipelines may create other kinds with explicit sizes.
 */
export const POOL_KINDS = ['detect', 'embed', 'classify', 'hash'] as const;
export type PoolKind = (typeof POOL_KINDS)[number];

/** What `autoConfigure` needs to know about the machine. */
export interface SystemInfo {
  /** Logical CPUs the process may use (availableParallelism). */
  cpus: number;
  totalMemBytes: number;
  /** Memory available for new allocations (Linux: MemAvailable). */
  freeMemBytes: number;
  platform: string;
  /** CPU quota from the cgroup, in cores (e.g. 1.5), when the process runs in a limited container. */
  cpuQuota?: number;
  /** Memory limit from the cgroup, when lower than the machine's memory. */
  memLimitBytes?: number;
}

export interface SizedPool {
  size: number;
  reason: string;
}

export interface AutoConfig {
  system: SystemInfo;
  /** Cores usable by this process (CPU count bounded by the cgroup quota). */
  cores: number;
  /** Cores given to worker pools (one is left to the main thread on larger machines). */
  workerCores: number;
  /** Memory the pools may plan to use. */
  memoryBudgetBytes: number;
  pools: Record<PoolKind, SizedPool>;
  batches: {
    /** Images whose features a dedup job requests from the hash pool at once (`featureBatch` of the job). */
    dedupFeatures: { size: number; reason: string };
  };
  /** Conditions the user should know about (e.g. too little memory). */
  warnings: string[];
}

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

interface KindProfile {
  /** Expected resident memory of one worker with its models and working buffers. */
  memBytes: number;
  /** Share of the memory budget this kind may plan with (shares sum to at most 1). */
  memShare: number;
  /** Share of the worker cores (1 = all of them). */
  coreShare: number;
  what: string;
  coreWhy: string;
}

/** Per-kind estimates (measured orders of magnitude, rounded up). */
export const KIND_PROFILES: Readonly<Record<PoolKind, KindProfile>> = {
  detect: {
    memBytes: 384 * MiB,
    memShare: 0.3,
    coreShare: 1,
    what: 'face detection (OpenCV + onnxruntime, frame buffers)',
    coreWhy: 'the hottest camera stage gets every worker core',
  },
  embed: {
    memBytes: 512 * MiB,
    memShare: 0.2,
    coreShare: 0.5,
    what: 'face embedding (recognition model)',
    coreWhy: 'runs on detected faces only and shares the cores with detect',
  },
  classify: {
    memBytes: 384 * MiB,
    memShare: 0.15,
    coreShare: 0.25,
    what: 'face attributes (age, gender, expression)',
    coreWhy: 'runs on tracked faces only, a fraction of detect',
  },
  hash: {
    memBytes: 192 * MiB,
    memShare: 0.2,
    coreShare: 1,
    what: 'perceptual hashing and features (decoded image + transforms)',
    coreWhy: 'the CPU-bound dedup stage gets every worker core',
  },
};

/** The most workers a pool gets, whatever the machine. */
export const MAX_POOL_SIZE = 32;
/** Decoded size of a typical 12-megapixel RGB photo, the unit of dedup batch memory. */
const DECODED_IMAGE_BYTES = 36 * MiB;

/**
 * Pool and batch sizes for a machine. Pure: same input, same output.
 * - Cores: pools use every core on machines with up to 2 cores, all but one (left to the main thread's
 *   stream plumbing and the database driver) on larger ones; each kind gets its share of those.
 * - Memory: the budget is 60% of total memory or 80% of what is free, whichever is smaller; each kind may
 *   plan with its share of the budget at its per-worker estimate.
 * A pool's size is the smaller of the two bounds, and at least 1 (with a warning when memory is short).
 */
export function autoConfigure(system: SystemInfo = detectSystem()): AutoConfig {
  const warnings: string[] = [];
  const quota =
    system.cpuQuota !== undefined && system.cpuQuota > 0 ? system.cpuQuota : Number.POSITIVE_INFINITY;
  const cores = Math.max(1, Math.floor(Math.min(Math.max(1, system.cpus), quota)));
  const workerCores = cores <= 2 ? cores : cores - 1;
  const totalMem = Math.min(system.totalMemBytes, system.memLimitBytes ?? Number.POSITIVE_INFINITY);
  const memoryBudgetBytes = Math.max(0, Math.floor(Math.min(totalMem * 0.6, system.freeMemBytes * 0.8)));

  const coreText =
    `${cores} core${cores === 1 ? '' : 's'}` +
    (quota < system.cpus ? ` (cgroup quota ${quota} of ${system.cpus} CPUs)` : '') +
    (workerCores === cores
      ? ', all for workers'
      : `, ${workerCores} for workers (1 left to the main thread)`);

  const pools = {} as Record<PoolKind, SizedPool>;
  for (const kind of POOL_KINDS) {
    const profile = KIND_PROFILES[kind];
    const byCpu = Math.min(MAX_POOL_SIZE, Math.max(1, Math.ceil(workerCores * profile.coreShare)));
    const kindBudget = memoryBudgetBytes * profile.memShare;
    const byMemory = Math.floor(kindBudget / profile.memBytes);
    const memText = `${fmtBytes(kindBudget)} (${Math.round(profile.memShare * 100)}% of the ${fmtBytes(
      memoryBudgetBytes,
    )} budget) at ~${fmtBytes(profile.memBytes)} per worker`;
    let size: number;
    let reason: string;
    if (byMemory < 1) {
      size = 1;
      reason = `1 worker for ${profile.what}: memory is short, ${memText} does not fit even one`;
      warnings.push(`pool ${kind}: ${memText} is less than one worker needs; expect swapping or OOM`);
    } else if (byMemory < byCpu) {
      size = byMemory;
      reason = `${size} worker${plural(size)} for ${profile.what}: bounded by memory, ${memText}; CPU would allow ${byCpu} (${coreText})`;
    } else {
      size = byCpu;
      reason = `${size} worker${plural(size)} for ${profile.what}: bounded by CPU, ${coreText}; ${profile.coreWhy}; memory would allow ${byMemory}`;
    }
    pools[kind] = { size, reason };
  }

  const hashWorkers = pools.hash.size;
  const featureByWorkers = clamp(hashWorkers * 8, 8, 64);
  const featureByMemory = Math.max(1, Math.floor((memoryBudgetBytes * 0.1) / DECODED_IMAGE_BYTES));
  const dedupFeatures =
    featureByMemory < featureByWorkers
      ? {
          size: featureByMemory,
          reason: `${featureByMemory} images per feature batch: bounded by memory (10% of the ${fmtBytes(
            memoryBudgetBytes,
          )} budget at ~${fmtBytes(DECODED_IMAGE_BYTES)} per decoded image)`,
        }
      : {
          size: featureByWorkers,
          reason: `${featureByWorkers} images per feature batch: 8 per hash worker (${hashWorkers}) keeps every worker busy while the next batch is read, capped to 8..64`,
        };

  return {
    system,
    cores,
    workerCores,
    memoryBudgetBytes,
    pools,
    batches: { dedupFeatures },
    warnings,
  };
}

/** Multi-line, human-readable summary of an {@link AutoConfig}. */
export function formatAutoConfig(config: AutoConfig): string {
  const s = config.system;
  const lines = [
    `system: ${s.cpus} CPUs, ${fmtBytes(s.totalMemBytes)} memory (${fmtBytes(s.freeMemBytes)} free), ${s.platform}` +
      (s.cpuQuota !== undefined ? `, cgroup CPU quota ${s.cpuQuota}` : '') +
      (s.memLimitBytes !== undefined ? `, cgroup memory limit ${fmtBytes(s.memLimitBytes)}` : ''),
    ...POOL_KINDS.map((kind) => `pool ${kind}: ${config.pools[kind].reason}`),
    `dedup feature batch: ${config.batches.dedupFeatures.reason}`,
    ...config.warnings.map((w) => `warning: ${w}`),
  ];
  return lines.join('\n');
}

type ReadText = (path: string) => string | undefined;

function readTextFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The machine as this process sees it: `os.availableParallelism()`, total and available memory,
 * platform, and on Linux the cgroup (v2, else v1) CPU quota and memory limit when present.
 */
export function detectSystem(read: ReadText = readTextFile): SystemInfo {
  const cpus = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  const info: SystemInfo = {
    cpus,
    totalMemBytes: os.totalmem(),
    freeMemBytes: os.freemem(),
    platform: process.platform,
  };
  if (process.platform === 'linux') {
    const cpuQuota =
      parseCgroupCpuMax(read('/sys/fs/cgroup/cpu.max')) ??
      parseCgroupV1Quota(
        read('/sys/fs/cgroup/cpu/cpu.cfs_quota_us'),
        read('/sys/fs/cgroup/cpu/cpu.cfs_period_us'),
      );
    if (cpuQuota !== undefined && cpuQuota < cpus) info.cpuQuota = cpuQuota;
    const memLimit =
      parseCgroupMemoryMax(read('/sys/fs/cgroup/memory.max')) ??
      parseCgroupMemoryMax(read('/sys/fs/cgroup/memory/memory.limit_in_bytes'));
    if (memLimit !== undefined && memLimit < info.totalMemBytes) info.memLimitBytes = memLimit;
  }
  return info;
}

/** cgroup v2 `cpu.max` ("200000 100000" -> 2 cores; "max 100000" -> no quota). */
export function parseCgroupCpuMax(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const [quota, period] = text.trim().split(/\s+/);
  if (quota === 'max') return undefined;
  return ratio(quota, period ?? '100000');
}

/** cgroup v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us` (quota -1 means none). */
export function parseCgroupV1Quota(
  quota: string | undefined,
  period: string | undefined,
): number | undefined {
  if (!quota || !period || quota.trim() === '-1') return undefined;
  return ratio(quota.trim(), period.trim());
}

/** cgroup `memory.max` / `memory.limit_in_bytes` in bytes ("max" or an absurdly large value means none). */
export function parseCgroupMemoryMax(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const value = text.trim();
  if (value === 'max') return undefined;
  const bytes = Number(value);
  // cgroup v1 reports "no limit" as a page-aligned value near 2^63.
  if (!Number.isFinite(bytes) || bytes <= 0 || bytes >= 2 ** 60) return undefined;
  return bytes;
}

function ratio(quota: string, period: string): number | undefined {
  const q = Number(quota);
  const p = Number(period);
  if (!Number.isFinite(q) || !Number.isFinite(p) || q <= 0 || p <= 0) return undefined;
  return q / p;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

function plural(n: number): string {
  return n === 1 ? '' : 's';
}

/** "1.5 GiB", "384 MiB". */
export function fmtBytes(bytes: number): string {
  if (bytes >= GiB) return `${(bytes / GiB).toFixed(1).replace(/\.0$/, '')} GiB`;
  return `${Math.round(bytes / MiB)} MiB`;
}
