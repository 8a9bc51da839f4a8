/**
 * Benchmarks written alongside the features (bench/reid.ts, bench/live-view.ts, bench/dedup-*.ts), each
 * exporting `run(options)`. Included when their module exists; otherwise reported as skipped.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { genericTables } from './lib/report';
import type { BenchDefinition } from './lib/types';

interface ExternalSpec {
  name: string;
  title: string;
  /** Options for `run()` in quick and in full mode. */
  options(quick: boolean): Record<string, unknown>;
  optIn?: boolean;
  timeoutMs: number;
}

const SPECS: ExternalSpec[] = [
  {
    name: 'reid',
    title: 'Re-ID and gender/age models: faces/s in one worker and through the pools',
    options: (quick) => (quick ? { batches: [1, 8], minMs: 1000 } : { batches: [1, 8, 32], minMs: 2000 }),
    timeoutMs: 300_000,
  },
  {
    name: 'live-view',
    title: 'Live view: pipeline FPS with the MJPEG view open vs closed',
    options: (quick) => (quick ? { frames: 120, repeats: 1 } : {}),
    timeoutMs: 300_000,
  },
  {
    name: 'dedup-eval',
    title: 'Dedup quality against findimagedupes',
    options: () => ({}),
    optIn: true,
    timeoutMs: 900_000,
  },
  {
    name: 'dedup-hard',
    title: 'Dedup hard copies (flip, rotate, grey, 70% crop): --deep vs plain vs findimagedupes',
    options: () => ({}),
    optIn: true,
    timeoutMs: 1_800_000,
  },
  {
    name: 'dedup-scale',
    title: 'Dedup at scale (generated images)',
    options: (quick) => (quick ? { count: 1000 } : {}),
    optIn: true,
    timeoutMs: 1_800_000,
  },
  {
    name: 'dedup-cluster',
    title: 'Dedup on a cluster: one process vs 1 and 2 `pipeline worker` processes (PostgreSQL queue)',
    options: (quick) => (quick ? { count: 500 } : { count: 2000 }),
    optIn: true,
    timeoutMs: 1_800_000,
  },
];

function modulePath(name: string): string {
  return path.join(__dirname, `${name}.js`);
}

/** Did the module exist? Checked in the parent so a missing one is skipped without a child process. */
export function externalAvailable(name: string): boolean {
  return existsSync(modulePath(name));
}

export const externalBenchmarks: BenchDefinition[] = SPECS.map((spec) => ({
  name: spec.name,
  title: spec.title,
  optIn: spec.optIn,
  external: true,
  caseTimeoutMs: () => spec.timeoutMs,
  async runCase(_caseId, ctx) {
    const mod = (await import(modulePath(spec.name))) as { run?: (options?: unknown) => Promise<unknown> };
    if (typeof mod.run !== 'function') throw new Error(`bench/${spec.name}.ts exports no run()`);
    ctx.progress(`run(${JSON.stringify(spec.options(ctx.quick))})`);
    return mod.run(spec.options(ctx.quick));
  },
  summarize(data) {
    return {
      baseline: `as defined by bench/${spec.name}.ts`,
      tables: genericTables(data.main),
      notes: [],
      data: data.main,
    };
  },
}));
