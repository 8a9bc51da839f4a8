import { runCli } from '../../src/cli/main';
import { validateFiles } from '../../src/cli/commands/validate';
import { ExitCode } from '../../src/cli/exit-codes';
import { scratchDir } from './helpers';

const scratch = scratchDir();
afterAll(() => scratch.cleanup());

function collect() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, output: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
}

describe('validateFiles', () => {
  it('prints "<file>: ok" for valid files and returns 0', async () => {
    const file = scratch.write('good.json', { channels: [{ id: 'a', source: 'a.avi' }] });
    const io = collect();
    expect(await validateFiles([file], io.output)).toBe(ExitCode.ok);
    expect(io.out).toEqual([`${file}: ok`]);
    expect(io.err).toEqual([]);
  });

  it('prints every issue of every file, one per line, and returns 2', async () => {
    const good = scratch.write('good2.json', {});
    const bad = scratch.write('bad.json', { chanels: [], log: { level: 3 } });
    const broken = scratch.write('broken.json', '{\n  "log": {\n}');
    const io = collect();
    expect(await validateFiles([bad, good, broken], io.output)).toBe(ExitCode.invalidConfig);
    expect(io.out).toEqual([`${good}: ok`]);
    expect(io.err).toEqual([
      `${bad}: log.level: expected "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent", found 3`,
      `${bad}: chanels: unknown key "chanels" (did you mean "channels"?); expected one of: $schema, database, pools, log, channelDefaults, channels, dedup, web, metrics, identities, demographics, cluster`,
      `${broken}: invalid JSON at line 3:2: expected ',' or '}' after a property value, found end of file`,
    ]);
  });
});

describe('pipeline validate', () => {
  let stdout: jest.SpyInstance;
  let stderr: jest.SpyInstance;
  beforeEach(() => {
    stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    stdout.mockRestore();
    stderr.mockRestore();
    process.exitCode = undefined;
  });

  it('exits with code 2 and prints the issues when a file is invalid', async () => {
    const bad = scratch.write('cli-bad.json', { channels: [{ id: 'x', source: 1 }] });
    expect(await runCli(['--log-level', 'silent', 'validate', bad])).toBe(ExitCode.invalidConfig);
    expect(stderr.mock.calls.map((c) => c[0])).toEqual([
      `${bad}: channels[0].source: expected string, found 1\n`,
    ]);
  });

  it('exits with 0 when all files are valid', async () => {
    const good = scratch.write('cli-good.json', { dedup: [{ id: 'j', root: '.' }] });
    expect(await runCli(['--log-level', 'silent', 'validate', good, good])).toBe(ExitCode.ok);
    expect(stdout.mock.calls.map((c) => c[0])).toEqual([`${good}: ok\n`, `${good}: ok\n`]);
  });
});
