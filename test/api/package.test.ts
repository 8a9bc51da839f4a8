/**
 * The package as a user installs it: `npm pack` of the built tree, extracted into a scratch project's
 * node_modules (runtime dependencies symlinked from this repo's node_modules, no network). Needs
 * `npm run build` first, like the worker tests.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { packageRoot } from '../../src/util/paths';

/** The documented value exports of each entry point (README "Library use" and the barrels' TSDoc). */
const ENTRY_POINTS: Record<string, { values: string[]; types: string[] }> = {
  rxvision: {
    values: [
      'batch',
      'boundedBuffer',
      'inPool',
      'meter',
      'metered',
      'priorityQueue',
      'pullFrom',
      'BufferOverflowError',
      'StageItemError',
      'autoConfigure',
      'closeAllPools',
      'configurePools',
      'createPool',
      'getPool',
      'PoolClosedError',
      'PoolQueueFullError',
      'TaskError',
      'jsonlSink',
      'kyselySink',
      'SinkWriteError',
      'ConfigError',
      'channelSchema',
      'dedupJobSchema',
      'formatIssue',
      'loadConfig',
      'parseConfig',
      'rxvisionConfigSchema',
      'validateConfigFile',
      'webSchema',
      'detectorConfigSchema',
      'dedupSettingsSchema',
      'openDatabase',
      'DatabaseError',
      'assetPath',
      'fetchAssets',
      'AssetFetchError',
      'AssetMissingError',
      'createChannel',
      'createFaceAnalysis',
      'poolDetect',
      'runChannels',
      'runConfigDedupJobs',
      'runDedupJob',
      'undoActions',
      'DedupActionConfigError',
      'UndoLogError',
      'startWeb',
      'createShutdown',
      'STOP_PHASES',
      'metricsRegistry',
      'collectProcessMetrics',
      'createLogger',
      'logger',
      'setLogger',
    ],
    types: [
      'RxvisionConfig',
      'ChannelConfig',
      'DedupJobConfig',
      'DedupSettings',
      'Database',
      'DB',
      'WorkerPool',
      'FrameResult',
      'RunChannelsOptions',
      'DedupJobResult',
      'WebSurface',
      'Shutdown',
      'StopOutcome',
      'SinkAck',
    ],
  },
  'rxvision/operators': {
    values: [
      'batch',
      'boundedBuffer',
      'inPool',
      'meter',
      'metered',
      'priorityQueue',
      'pullFrom',
      'stageStats',
    ],
    types: ['BufferPolicy', 'StageStatsSnapshot'],
  },
  'rxvision/pools': {
    values: [
      'createPool',
      'getPool',
      'closeAllPools',
      'autoConfigure',
      'exposeWorker',
      'transferResult',
      'toTransferable',
      'detectPool',
      'hashPool',
      'embedPool',
      'classifyPool',
      'encodePool',
    ],
    types: ['WorkerPool', 'PoolOptions', 'AutoConfig'],
  },
  'rxvision/sinks': {
    values: ['kyselySink', 'jsonlSink', 'consoleSink', 'SinkWriteError', 'SINK_BATCH_DEFAULTS'],
    types: ['SinkAck'],
  },
  'rxvision/camera': {
    values: [
      'createChannel',
      'runChannels',
      'poolDetect',
      'createFaceAnalysis',
      'createTracker',
      'readFrames',
      'detectorKey',
    ],
    types: ['Frame', 'FrameResult', 'ChannelSummary', 'FaceAnalysis'],
  },
  'rxvision/dedup': {
    values: [
      'runDedupJob',
      'runConfigDedupJobs',
      'undoActions',
      'planActions',
      'scanImages',
      'DedupActionConfigError',
      'UndoLogError',
      'undoLogPath',
    ],
    types: ['DedupJobOptions', 'DedupJobResult', 'DedupProgress', 'ConfigJobOutcome'],
  },
  'rxvision/web': {
    values: ['startWeb', 'ChannelBoard', 'LiveView', 'WebConfigError'],
    types: ['WebSurface', 'StartWebOptions'],
  },
};

/** Internals the root must not export. */
const NOT_AT_ROOT = [
  'stageCounters',
  'parseCgroupCpuMax',
  'KIND_PROFILES',
  'PGliteDialect',
  'migrations',
  'hungarian',
  'BoxKalman',
  'decodeBlazeFace',
];

const repo = packageRoot();
let scratch: string;

function runNode(cwd: string, code: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['-e', code], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'rxvision-api-'));
  const packed = execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', scratch], {
    cwd: repo,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  })
    .trim()
    .split('\n')
    .pop()!;
  execFileSync('tar', ['-xzf', path.join(scratch, packed), '-C', scratch]);
  const modules = path.join(scratch, 'node_modules');
  mkdirSync(modules);
  renameSync(path.join(scratch, 'package'), path.join(modules, 'rxvision'));
  const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  // Runtime dependencies plus what compiling against the typings needs.
  for (const dep of [...Object.keys(pkg.dependencies), '@types/node']) {
    const link = path.join(modules, dep);
    mkdirSync(path.dirname(link), { recursive: true });
    symlinkSync(path.join(repo, 'node_modules', dep), link, 'dir');
  }
  writeFileSync(path.join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', private: true }));
}, 180_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('the packed package', () => {
  it("require('rxvision') loads no ONNX Runtime, OpenCV, PGlite, pg, sharp or fastify", () => {
    const r = runNode(
      scratch,
      `require('rxvision');
       const heavy = Object.keys(require.cache).filter((f) =>
         /[\\\\/]node_modules[\\\\/](onnxruntime-node|@u4[\\\\/]opencv4nodejs|@electric-sql[\\\\/]pglite|pg|sharp|fastify)[\\\\/]/.test(f));
       console.log(JSON.stringify(heavy));
       process.exit(0);`,
    );
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual([]);
  });

  it('the root exports no internals', () => {
    const r = runNode(
      scratch,
      `console.log(JSON.stringify(Object.keys(require('rxvision')))); process.exit(0);`,
    );
    const names = JSON.parse(r.stdout) as string[];
    expect(names).toEqual(expect.arrayContaining(ENTRY_POINTS.rxvision.values));
    expect(names.filter((n) => NOT_AT_ROOT.includes(n))).toEqual([]);
  });

  it('every documented name compiles (node16 resolution through the exports map) and is defined at run time', () => {
    const lines: string[] = [];
    const checks: string[] = [];
    Object.entries(ENTRY_POINTS).forEach(([entry, { values, types }], i) => {
      lines.push(`import { ${values.map((v) => `${v} as v${i}_${v}`).join(', ')} } from '${entry}';`);
      lines.push(`import type { ${types.map((t) => `${t} as t${i}_${t}`).join(', ')} } from '${entry}';`);
      lines.push(`export type T${i} = [${types.map((t) => `t${i}_${t}`).join(', ')}];`);
      checks.push(...values.map((v) => `['${entry}', '${v}', v${i}_${v}]`));
    });
    lines.push(
      `const all: Array<[string, string, unknown]> = [${checks.join(', ')}];`,
      `const missing = all.filter(([, , value]) => value === undefined || value === null).map(([e, n]) => e + ':' + n);`,
      `console.log(JSON.stringify({ checked: all.length, missing }));`,
      `process.exit(0);`,
    );
    writeFileSync(path.join(scratch, 'api.ts'), `${lines.join('\n')}\n`);
    writeFileSync(
      path.join(scratch, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'node16',
          moduleResolution: 'node16',
          target: 'ES2022',
          strict: true,
          skipLibCheck: true,
          types: ['node'],
          outDir: 'out',
        },
        files: ['api.ts'],
      }),
    );
    const tsc = spawnSync(
      process.execPath,
      [path.join(repo, 'node_modules/typescript/bin/tsc'), '-p', scratch],
      {
        cwd: scratch,
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
    const r = spawnSync(process.execPath, [path.join(scratch, 'out/api.js')], {
      cwd: scratch,
      encoding: 'utf8',
      timeout: 60_000,
    });
    const total = Object.values(ENTRY_POINTS).reduce((n, e) => n + e.values.length, 0);
    expect(JSON.parse(r.stdout)).toEqual({ checked: total, missing: [] });
  }, 180_000);

  it('deep dist/src paths are not reachable through the exports map', () => {
    const r = runNode(scratch, `require('rxvision/dist/src/db/pglite-dialect');`);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('ERR_PACKAGE_PATH_NOT_EXPORTED');
    const typed = runNode(scratch, `console.log(require('rxvision/package.json').name);`);
    expect(typed.stdout.trim()).toBe('rxvision');
  });
});
