import { AssetFetchError, AssetMissingError } from '../assets/errors';
import { ClusterConfigError } from '../cluster/setup';
import { ConfigError } from '../config/errors';
import { DatabaseError } from '../db/errors';
import { DedupActionConfigError } from '../pipelines/dedup/errors';
import { UndoLogError } from '../pipelines/dedup/undo-log';
import { CliError, ExitCode, type ExitCodeValue } from './exit-codes';

/**
 * The exit code the CLI ends with for an error the lower layers throw (by class, never by message text),
 * or undefined for an unexpected error (a runtime failure: exit code 1 with its stack logged).
 */
export function exitCodeOfError(err: unknown): ExitCodeValue | undefined {
  if (err instanceof CliError) return err.exitCode;
  if (
    err instanceof ConfigError ||
    err instanceof DedupActionConfigError ||
    err instanceof ClusterConfigError
  )
    return ExitCode.invalidConfig;
  if (err instanceof AssetMissingError || err instanceof AssetFetchError) return ExitCode.assets;
  if (err instanceof DatabaseError) return ExitCode.database;
  // The run stopped because its undo log failed: the message names the log; no stack needed.
  if (err instanceof UndoLogError) return ExitCode.failure;
  return undefined;
}
