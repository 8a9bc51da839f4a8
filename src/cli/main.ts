#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { createLogger, logger, setLogger } from '../util/logger';
import { packageVersion } from '../util/paths';
import { ExitCode } from './exit-codes';
import { exitCodeOfError } from './error-exit-code';
import { registerCommands } from './commands';

/** Builds the `pipeline` command tree (exported for tests). */
export function buildProgram(): Command {
  const program = new Command('pipeline')
    .description('rxvision: camera face analytics and image deduplication as RxJS pipelines')
    .version(packageVersion(), '-V, --version')
    .option(
      '--log-level <level>',
      'trace | debug | info | warn | error | silent',
      process.env.RXVISION_LOG_LEVEL ?? 'info',
    )
    .showHelpAfterError()
    // Before the sub-commands are added, so they inherit it: commander then throws instead of exiting.
    .exitOverride()
    .hook('preAction', (cmd) => {
      const level = cmd.opts<{ logLevel: string }>().logLevel;
      setLogger(createLogger({ level }));
    });
  registerCommands(program);
  return program;
}

/** Runs the CLI with the given argv and returns the exit code (never calls process.exit itself). */
export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with code 0; usage errors were already printed by commander.
      return err.exitCode === 0 ? ExitCode.ok : ExitCode.invalidConfig;
    }
    const code = exitCodeOfError(err);
    if (code !== undefined) {
      // An expected failure (bad config, missing asset, unreachable database): the message says it all.
      logger().error((err as Error).message);
      return code;
    }
    logger().error({ err }, err instanceof Error ? err.message : String(err));
    return ExitCode.failure;
  }
}

if (require.main === module) {
  runCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      console.error(err);
      process.exitCode = ExitCode.failure;
    },
  );
}
