import { STOP_OUTCOME_EXIT_CODES, type StopOutcome } from '../runtime/shutdown';

/** Process exit codes of the `pipeline` CLI (documented in the README). */
export const ExitCode = {
  ok: STOP_OUTCOME_EXIT_CODES.completed,
  /** A run failed at runtime (a pipeline error, a crashed stage). */
  failure: STOP_OUTCOME_EXIT_CODES.failed,
  /** Invalid configuration or command-line usage. */
  invalidConfig: 2,
  /** A required asset is missing or could not be fetched/verified. */
  assets: 3,
  /** The database could not be reached or migrated. */
  database: 4,
  /** Interrupted by SIGINT/SIGTERM (after draining and flushing). */
  interrupted: STOP_OUTCOME_EXIT_CODES.interrupted,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** The exit code of a stop sequence's outcome (see `createShutdown`). */
export function exitCodeOfOutcome(outcome: StopOutcome): ExitCodeValue {
  return STOP_OUTCOME_EXIT_CODES[outcome];
}

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
