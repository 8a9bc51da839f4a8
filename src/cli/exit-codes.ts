/** Process exit codes of the `pipeline` CLI (documented in the README). */
export const ExitCode = {
  ok: 0,
  /** A run failed at runtime (a pipeline error, a crashed stage). */
  failure: 1,
  /** Invalid configuration or command-line usage. */
  invalidConfig: 2,
  /** A required asset is missing or could not be fetched/verified. */
  assets: 3,
  /** The database could not be reached or migrated. */
  database: 4,
  /** Interrupted by SIGINT/SIGTERM (after draining and flushing). */
  interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** An error that carries the exit code the CLI should end with. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
