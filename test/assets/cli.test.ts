import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../../src/cli/main';
import { ExitCode } from '../../src/cli/exit-codes';
import { parseAssetIds } from '../../src/cli/commands/assets';

/** Runs the CLI capturing stdout (logs go to stderr and are silenced with --log-level). */
async function run(args: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += chunk.toString();
    return true;
  });
  try {
    const code = await runCli(['--log-level', 'silent', ...args]);
    return { code, stdout };
  } finally {
    spy.mockRestore();
  }
}

describe('pipeline assets', () => {
  const saved = process.env.RXVISION_ASSETS_DIR;
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'rxvision-assets-cli-'));
    process.env.RXVISION_ASSETS_DIR = root;
    process.exitCode = undefined;
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
    if (saved === undefined) delete process.env.RXVISION_ASSETS_DIR;
    else process.env.RXVISION_ASSETS_DIR = saved;
  });

  it('lists every asset as missing in an empty assets folder', async () => {
    const { code, stdout } = await run(['assets', 'list', '--json']);
    expect(code).toBe(ExitCode.ok);
    const status = JSON.parse(stdout) as { id: string; present: boolean; path: string }[];
    expect(status.map((s) => [s.id, s.present])).toEqual([
      ['blazeface', false],
      ['face-api', false],
      ['mobilenet', false],
      ['cascades', false],
      ['samples', false],
    ]);
    expect(status[0].path).toBe(path.join(root, 'models/blazeface'));
  });

  it('fetches only the asked assets, then lists them as present', async () => {
    const fetched = await run(['assets', 'fetch', '--only', 'cascades', 'blazeface', '--json']);
    expect(fetched.code).toBe(ExitCode.ok);
    expect((JSON.parse(fetched.stdout) as { id: string }[]).map((r) => r.id)).toEqual([
      'cascades',
      'blazeface',
    ]);

    const listed = await run(['assets', 'list']);
    expect(listed.stdout).toMatch(/^blazeface\s+present\s+1\.2\.0/m);
    expect(listed.stdout).toMatch(/^samples\s+missing/m);
    expect(listed.stdout).toContain('run `pipeline assets fetch`');
  }, 120_000);

  it('rejects an unknown --only id with exit code 2', async () => {
    expect((await run(['assets', 'fetch', '--only', 'nope'])).code).toBe(ExitCode.invalidConfig);
    expect(() => parseAssetIds(['samples,nope'])).toThrow(
      /unknown asset id nope \(known: blazeface, face-api, mobilenet, cascades, samples\)/,
    );
    expect(parseAssetIds(['samples,cascades'])).toEqual(['samples', 'cascades']);
  });
});
