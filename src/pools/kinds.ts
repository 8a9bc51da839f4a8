/**
 * The worker pools the pipelines use, by kind: the one place that names the worker files (workers/*.ts,
 * compiled to dist/workers), their default task timeouts and the types of their APIs. Pipelines ask for
 * `detectPool()`, `hashPool()`, ... and get the process-wide shared pool of that kind, typed.
 *
 * Worker API types are imported type-only from workers/* here and nowhere else in src: the main thread
 * never loads a worker module.
 */
import type { ClassifyApi } from '../../workers/classify';
import type { DetectApi } from '../../workers/detect';
import type { EmbedApi } from '../../workers/embed';
import type { EncodeWorkerApi } from '../../workers/encode';
import type { HashWorkerApi } from '../../workers/hash';
import { availableParallelism } from 'node:os';
import { workerPath } from '../util/paths';
import type { WorkerPool } from './pool';
import { getPool, type PoolSpec } from './registry';

/** The API of each kind's worker. */
export interface WorkerApis {
  detect: DetectApi;
  embed: EmbedApi;
  classify: ClassifyApi;
  hash: HashWorkerApi;
  encode: EncodeWorkerApi;
}

/** A pool kind that has a worker. */
export type WorkerKind = keyof WorkerApis;

/** What a caller may still choose for a kind's pool: everything but the worker file. */
export type KindPoolSpec = Omit<PoolSpec, 'worker'>;

interface KindDefaults {
  /** Worker entry under workers/ (without extension). */
  worker: string;
  /** Default task timeout; undefined: the pool's own default. */
  taskTimeoutMs?: number;
}

/**
 * Worker file and default timeout per kind. A hash task decodes one (possibly huge) image; an encode task
 * is one JPEG of a frame someone is watching, useless if late.
 */
export const KIND_DEFAULTS: Readonly<Record<WorkerKind, KindDefaults>> = {
  detect: { worker: 'detect' },
  embed: { worker: 'embed' },
  classify: { worker: 'classify' },
  hash: { worker: 'hash', taskTimeoutMs: 60_000 },
  encode: { worker: 'encode', taskTimeoutMs: 10_000 },
};

/** The worker kinds, in a stable order. */
export const WORKER_KINDS = Object.keys(KIND_DEFAULTS) as readonly WorkerKind[];

/**
 * The shared pool of `kind`, created on first use with the kind's worker and defaults, overridden by
 * `spec` (size, timeouts, initArgs...). Later calls return the same pool.
 */
export function kindPool<K extends WorkerKind>(kind: K, spec: KindPoolSpec = {}): WorkerPool<WorkerApis[K]> {
  const defaults = KIND_DEFAULTS[kind];
  return getPool<WorkerApis[K]>(kind, {
    ...spec,
    taskTimeoutMs: spec.taskTimeoutMs ?? defaults.taskTimeoutMs,
    worker: workerPath(defaults.worker),
  });
}

/** Face detection (workers/detect.ts): frames in, detections (and face crops) out. */
export function detectPool(spec?: KindPoolSpec): WorkerPool<DetectApi> {
  return kindPool('detect', spec);
}

/**
 * Haar detection (workers/detect.ts in child processes, pool kind `haar`): OpenCV loads in one thread per
 * process, so each process is one more core running cascades. Size: `pools.haar.size` in the config, else
 * one process per core.
 */
export function haarPool(spec?: KindPoolSpec): WorkerPool<DetectApi> {
  return getPool<DetectApi>('haar', {
    size: availableParallelism(),
    ...spec,
    isolation: 'process',
    worker: workerPath(KIND_DEFAULTS.detect.worker),
  });
}

/** Face embeddings for Re-ID (workers/embed.ts). */
export function embedPool(spec?: KindPoolSpec): WorkerPool<EmbedApi> {
  return kindPool('embed', spec);
}

/** Age and gender per face (workers/classify.ts). */
export function classifyPool(spec?: KindPoolSpec): WorkerPool<ClassifyApi> {
  return kindPool('classify', spec);
}

/** Dedup content hashes and image features (workers/hash.ts). */
export function hashPool(spec?: KindPoolSpec): WorkerPool<HashWorkerApi> {
  return kindPool('hash', spec);
}

/** Annotated JPEGs for the live view (workers/encode.ts). */
export function encodePool(spec?: KindPoolSpec): WorkerPool<EncodeWorkerApi> {
  return kindPool('encode', spec);
}

export type { ClassifyApi, DetectApi, EmbedApi, EncodeWorkerApi, HashWorkerApi };
