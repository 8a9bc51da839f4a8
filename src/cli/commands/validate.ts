import type { Command } from 'commander';
import { formatIssue, validateConfigFile } from '../../config';
import { ExitCode } from '../exit-codes';

/** Output streams of the command (tests pass their own). */
export interface ValidateOutput {
  out: (line: string) => void;
  err: (line: string) => void;
}

const processOutput: ValidateOutput = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/**
 * Validates every file and prints every issue, one per line (`file: path: message`), or `<file>: ok`.
 * Returns the exit code: 0 when all files are valid, 2 (invalid configuration) otherwise.
 */
export async function validateFiles(
  files: readonly string[],
  output: ValidateOutput = processOutput,
): Promise<number> {
  let code: number = ExitCode.ok;
  for (const file of files) {
    const result = await validateConfigFile(file);
    if (result.ok) {
      output.out(`${file}: ok`);
      continue;
    }
    code = ExitCode.invalidConfig;
    for (const issue of result.issues) output.err(formatIssue(issue));
  }
  return code;
}

/** Registers `pipeline validate <file...>`. */
export function registerValidateCommand(program: Command): void {
  program
    .command('validate')
    .description(
      'Check pipeline config files against the schema; prints every problem at once (exit code 2 if any)',
    )
    .argument('<file...>', 'JSON config files')
    .action(async (files: string[]) => {
      const code = await validateFiles(files);
      if (code !== ExitCode.ok) process.exitCode = code;
    });
}
