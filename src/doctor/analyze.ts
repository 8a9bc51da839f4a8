import os from 'node:os';
import { loadOpenCV } from '../util/opencv';
import { autoConfigure, detectSystem, type AutoConfig, type SystemInfo } from '../pools/autoconfig';
import { assetStatus } from '../assets';
import { PG_MAX_PARAMS } from '../db/rows';
import { SINK_BATCH_DEFAULTS } from '../sinks/defaults';

/** What `pipeline doctor` reports: the machine, the native stacks, the assets and the chosen pool sizes. */
export interface DoctorReport {
  system: SystemInfo & { nodeVersion: string; osRelease: string; cpuModel: string };
  opencv: {
    ok: boolean;
    version?: string;
    videoBackends?: string[];
    parallelFramework?: string;
    error?: string;
  };
  onnxruntime: { ok: boolean; version?: string; executionProviders?: string[]; error?: string };
  assets: Array<{ id: string; present: boolean; path: string }>;
  autoConfig: AutoConfig;
  /** How rows are batched on their way to the database (the same for every sink). */
  databaseBatch: { rows: number; flushMs: number; reason: string };
}

/** The database batch of every sink, from {@link SINK_BATCH_DEFAULTS}, with why. */
export function databaseBatch(): DoctorReport['databaseBatch'] {
  const { rows, flushMs } = SINK_BATCH_DEFAULTS;
  return {
    rows,
    flushMs,
    reason: `${rows} rows per INSERT (far below Postgres's ${PG_MAX_PARAMS} bind parameters; one short transaction), written at least every ${flushMs} ms so rows are never older than that`,
  };
}

function opencvInfo(): DoctorReport['opencv'] {
  try {
    const cv = loadOpenCV();
    const build = cv.getBuildInformation();
    const videoIO = /Video I\/O:\n([\s\S]*?)\n\s*\n/.exec(build)?.[1] ?? '';
    const videoBackends = videoIO
      .split('\n')
      .map((l) => /^\s*([A-Za-z0-9 ]+?):\s+YES/.exec(l)?.[1]?.trim())
      .filter((x): x is string => Boolean(x));
    const parallelFramework = /Parallel framework:\s*(\S+)/.exec(build)?.[1];
    const v = cv.version;
    return { ok: true, version: `${v.major}.${v.minor}.${v.revision}`, videoBackends, parallelFramework };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

function onnxruntimeInfo(): DoctorReport['onnxruntime'] {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ort = require('onnxruntime-node') as typeof import('onnxruntime-node');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const version = (require('onnxruntime-node/package.json') as { version: string }).version;
    const list = (
      ort as unknown as { listSupportedBackends?: () => Array<{ name: string; bundled?: boolean }> }
    ).listSupportedBackends;
    const executionProviders = list
      ? list()
          .filter((b) => b.bundled !== false)
          .map((b) => b.name)
      : ['cpu'];
    return { ok: true, version, executionProviders };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

/** Gathers the doctor report (loads OpenCV and onnxruntime in this thread: meant for the CLI process). */
export async function analyzeSystem(): Promise<DoctorReport> {
  const system = detectSystem();
  return {
    system: {
      ...system,
      nodeVersion: process.version,
      osRelease: `${os.type()} ${os.release()}`,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
    },
    opencv: opencvInfo(),
    onnxruntime: onnxruntimeInfo(),
    assets: await assetStatus(),
    autoConfig: autoConfigure(system),
    databaseBatch: databaseBatch(),
  };
}
