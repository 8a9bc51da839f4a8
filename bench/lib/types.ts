/** One Markdown table of a benchmark report. */
export interface ReportTable {
  caption?: string;
  columns: string[];
  rows: Array<Array<string | number>>;
}

/** What a benchmark contributes to the report: tables, notes and the raw measurements. */
export interface BenchReport {
  name: string;
  title: string;
  /** What every ratio of this benchmark is measured against (in the same run). */
  baseline: string;
  tables: ReportTable[];
  notes: string[];
  /** Raw measurements, kept in latest.json. */
  data: unknown;
  /** Set when the benchmark could not run (missing module, unreachable database...). */
  skipped?: string;
  error?: string;
  elapsedMs?: number;
}

/** Context handed to a case running in its own child process. */
export interface CaseContext {
  quick: boolean;
  /** Prints a progress line (stderr, prefixed with the benchmark and case). */
  progress(message: string): void;
}

/** A benchmark: cases (each in a fresh child process, for clean RSS and isolated native modules) + summary. */
export interface BenchDefinition {
  name: string;
  title: string;
  /** Case ids; default a single case "main". */
  cases?(quick: boolean): string[];
  /** A module written by another feature (bench/<name>.ts); skipped with a note when it is missing. */
  external?: boolean;
  /** Not part of a default run; only with `--only <name>`. */
  optIn?: boolean;
  /** Run the cases at the same time (they must be light on CPU, e.g. memory soak tests). */
  parallel?: boolean;
  /** Hard limit per case in ms (the child is killed past it). */
  caseTimeoutMs?(quick: boolean): number;
  /** Runs one case in the child and returns JSON-serialisable data. */
  runCase(caseId: string, ctx: CaseContext): Promise<unknown>;
  /** Builds the report from every case's data (in the parent). */
  summarize(data: Record<string, unknown>, quick: boolean): Omit<BenchReport, 'name' | 'title'>;
}
