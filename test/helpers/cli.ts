import { runCli } from '../../src/cli/main';

/** Runs `pipeline <args>` in-process with logs silenced and stdout swallowed; returns the exit code. */
export async function runCliQuietly(args: string[]): Promise<number> {
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    process.exitCode = undefined;
    return await runCli(['--log-level', 'silent', ...args]);
  } finally {
    spy.mockRestore();
    process.exitCode = undefined;
  }
}
