import { AssetFetchError, AssetMissingError } from '../../src/assets/errors';
import { exitCodeOfError } from '../../src/cli/error-exit-code';
import { CliError, ExitCode, exitCodeOfOutcome } from '../../src/cli/exit-codes';
import { ConfigError } from '../../src/config/errors';
import { DatabaseError } from '../../src/db/errors';
import { planActions } from '../../src/pipelines/dedup/actions';
import { DedupActionConfigError } from '../../src/pipelines/dedup/errors';

describe('exitCodeOfError', () => {
  it('maps the typed errors of the lower layers to the CLI exit codes', () => {
    expect(exitCodeOfError(new ConfigError([{ file: 'a.json', path: '', message: 'bad' }]))).toBe(
      ExitCode.invalidConfig,
    );
    expect(exitCodeOfError(new DedupActionConfigError('x'))).toBe(ExitCode.invalidConfig);
    expect(exitCodeOfError(new AssetMissingError('samples', '/x'))).toBe(ExitCode.assets);
    expect(exitCodeOfError(new AssetFetchError('x', ['samples']))).toBe(ExitCode.assets);
    expect(exitCodeOfError(new DatabaseError('x'))).toBe(ExitCode.database);
    expect(exitCodeOfError(new CliError('x', ExitCode.assets))).toBe(ExitCode.assets);
    // By class, not by message: the old regex's text on a plain Error is a runtime failure.
    expect(exitCodeOfError(new Error('dedup action "move" needs actions.targetDir'))).toBeUndefined();
  });

  it('covers the dedup action settings errors where they are thrown', () => {
    const groups = [{ keeper: '/root/a.jpg', duplicates: ['/root/b.jpg'] }];
    expect(() => planActions(groups, { action: 'move', root: '/root' })).toThrow(DedupActionConfigError);
    const outside = [{ keeper: '/root/a.jpg', duplicates: ['/elsewhere/b.jpg'] }];
    expect(() => planActions(outside, { action: 'move', root: '/root', targetDir: '/t' })).toThrow(
      DedupActionConfigError,
    );
  });
});

describe('exitCodeOfOutcome', () => {
  it('maps stop outcomes to 0, 1 and 130', () => {
    expect([
      exitCodeOfOutcome('completed'),
      exitCodeOfOutcome('failed'),
      exitCodeOfOutcome('interrupted'),
    ]).toEqual([0, 1, 130]);
  });
});
