import type { BenchDefinition, CaseContext } from './types';

/**
 * Runs a benchmark's cases in this process (`node dist/bench/<name>.js ...`) instead of through bench/run.ts,
 * prints its tables and notes as Markdown on stdout and exits.
 */
export function runStandalone(
  bench: BenchDefinition,
  run: (ctx: CaseContext) => Promise<Record<string, unknown>>,
): void {
  void (async () => {
    const data = await run({ quick: false, progress: (m) => process.stderr.write(`${m}\n`) });
    const report = bench.summarize(data, false);
    for (const t of report.tables) {
      process.stdout.write(`| ${t.columns.join(' | ')} |\n| ${t.columns.map(() => '---').join(' | ')} |\n`);
      for (const row of t.rows) process.stdout.write(`| ${row.join(' | ')} |\n`);
    }
    for (const n of report.notes) process.stdout.write(`\n${n}\n`);
    process.exit(0);
  })();
}
