/**
 * Benchmark harness: `npm run bench` (= node dist/bench/run.js) [--quick] [--only a,b] [--list].
 *
 * Each benchmark case runs in a fresh child process (clean RSS figures, native modules such as OpenCV
 * loaded by one process only, pools never shared between cases). Every figure is reported against a
 * baseline measured in the same run. Results: a Markdown report on stdout and in bench/results/latest.md,
 * raw data in bench/results/latest.json.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { machineInfo } from './lib/machine';
import { markdownReport } from './lib/report';
import type { BenchDefinition, BenchReport } from './lib/types';
import { externalAvailable } from './external';
import { BENCHMARKS } from './registry';

interface Args {
  quick: boolean;
  only?: string[];
  list: boolean;
  child?: { bench: string; caseId: string; out: string };
  outDir?: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false, list: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') args.quick = true;
    else if (a === '--list') args.list = true;
    else if (a === '--only') args.only = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (a.startsWith('--only=')) args.only = a.slice(7).split(',').filter(Boolean);
    else if (a === '--out-dir') args.outDir = argv[++i];
    else if (a === '--child') {
      const [bench, caseId] = (argv[++i] ?? '').split(':');
      args.child = { bench, caseId, out: argv[++i] };
    } else throw new Error(`bench: unknown argument "${a}" (use --quick, --only <names>, --list)`);
  }
  return args;
}

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** Child mode: run one case, write its JSON to `out`. */
async function runChild(def: BenchDefinition, caseId: string, out: string, quick: boolean): Promise<void> {
  const data = await def.runCase(caseId, {
    quick,
    progress: (m) => log(`  [${def.name}${caseId === 'main' ? '' : `:${caseId}`}] ${m}`),
  });
  writeFileSync(out, JSON.stringify(data));
}

/** Runs one case in a child process; resolves with its data or rejects with its failure. */
function runCaseProcess(def: BenchDefinition, caseId: string, quick: boolean, tmp: string): Promise<unknown> {
  const out = path.join(tmp, `${def.name}-${caseId}.json`);
  const timeoutMs = def.caseTimeoutMs?.(quick) ?? 5 * 60_000;
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--expose-gc', __filename, '--child', `${def.name}:${caseId}`, out, ...(quick ? ['--quick'] : [])],
      {
        stdio: ['ignore', 'inherit', 'inherit'],
        env: { ...process.env, RXVISION_LOG_LEVEL: process.env.RXVISION_LOG_LEVEL ?? 'warn' },
      },
    );
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`case ${caseId} exceeded ${Math.round(timeoutMs / 1000)} s and was killed`));
    }, timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0 && existsSync(out)) resolve(JSON.parse(readFileSync(out, 'utf8')));
      else reject(new Error(`case ${caseId} exited with ${signal ?? `code ${code}`}`));
    });
  });
}

async function runBenchmark(def: BenchDefinition, quick: boolean, tmp: string): Promise<BenchReport> {
  const started = performance.now();
  if (def.external && !externalAvailable(def.name)) {
    const skipped = `bench/${def.name}.ts is not there (or not built), so it was left out`;
    log(`  [${def.name}] skipped: ${skipped}`);
    return { name: def.name, title: def.title, baseline: '', tables: [], notes: [], data: {}, skipped };
  }
  const cases = def.cases?.(quick) ?? ['main'];
  const data: Record<string, unknown> = {};
  const errors: string[] = [];
  const one = async (caseId: string) => {
    try {
      data[caseId] = await runCaseProcess(def, caseId, quick, tmp);
    } catch (err) {
      errors.push((err as Error).message);
      log(`  [${def.name}] ${(err as Error).message}`);
    }
  };
  if (def.parallel) await Promise.all(cases.map(one));
  else for (const c of cases) await one(c);
  const base = { name: def.name, title: def.title, elapsedMs: performance.now() - started };
  if (Object.keys(data).length === 0) {
    return { ...base, baseline: '', tables: [], notes: [], data: {}, error: errors.join('; ') || 'no data' };
  }
  try {
    const summary = def.summarize(data, quick);
    return { ...base, ...summary, error: errors.length ? errors.join('; ') : summary.error };
  } catch (err) {
    return {
      ...base,
      baseline: '',
      tables: [],
      notes: [],
      data,
      error: `summary: ${(err as Error).message}`,
    };
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.child) {
    const def = BENCHMARKS.find((b) => b.name === args.child?.bench);
    if (!def) throw new Error(`bench: unknown benchmark ${args.child.bench}`);
    await runChild(def, args.child.caseId, args.child.out, args.quick);
    // Pools, FFmpeg readers or database handles left open must not keep a finished case alive.
    process.exit(0);
  }
  if (args.list) {
    for (const b of BENCHMARKS) process.stdout.write(`${b.name.padEnd(20)} ${b.title}\n`);
    return;
  }
  const unknown = (args.only ?? []).filter((n) => !BENCHMARKS.some((b) => b.name === n));
  if (unknown.length) throw new Error(`bench: unknown benchmark(s) ${unknown.join(', ')} (see --list)`);
  const selected = BENCHMARKS.filter((b) => (args.only ? args.only.includes(b.name) : !b.optIn));
  const machine = machineInfo();
  const mode = args.quick ? 'quick' : 'full';
  log(`rxvision bench (${mode}): ${selected.map((b) => b.name).join(', ')}`);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'rxv-bench-'));
  const reports: BenchReport[] = [];
  const started = performance.now();
  try {
    for (const [i, def] of selected.entries()) {
      log(`[${i + 1}/${selected.length}] ${def.name}: ${def.title}`);
      const report = await runBenchmark(def, args.quick, tmp);
      log(
        `[${i + 1}/${selected.length}] ${def.name} done in ${((report.elapsedMs ?? 0) / 1000).toFixed(1)} s`,
      );
      reports.push(report);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  machine.loadAverage.end = os.loadavg()[0];
  const md = markdownReport(machine, reports, mode);
  process.stdout.write(`\n${md}`);
  const outDir = args.outDir ?? path.join(__dirname, '..', '..', 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  const json = { machine, mode, elapsedMs: performance.now() - started, reports };
  writeFileSync(path.join(outDir, 'latest.json'), JSON.stringify(json, null, 2) + '\n');
  writeFileSync(path.join(outDir, 'latest.md'), md);
  log(
    `wrote ${path.join(outDir, 'latest.md')} and latest.json (${((performance.now() - started) / 1000).toFixed(0)} s)`,
  );
  if (reports.some((r) => r.error)) process.exitCode = 1;
}

main().catch((err: Error) => {
  process.stderr.write(`bench: ${err.stack ?? err.message}\n`);
  process.exitCode = 1;
});
