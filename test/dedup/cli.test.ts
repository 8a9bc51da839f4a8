import { existsSync, mkdtempSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../../src/cli/main';
import { makeBadFiles, makeCorpus } from './corpus';

/** Runs the CLI in-process and captures stdout. */
async function cli(args: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += chunk.toString();
    return true;
  });
  try {
    process.exitCode = undefined;
    const code = await runCli(['--log-level', 'silent', ...args]);
    return { code, stdout };
  } finally {
    spy.mockRestore();
    process.exitCode = undefined;
  }
}

describe('pipeline dedup', () => {
  let base: string;
  let root: string;

  beforeAll(async () => {
    base = mkdtempSync(path.join(os.tmpdir(), 'dedup-cli-'));
    root = path.join(base, 'photos');
    await makeCorpus(root, ['fruits.jpg', 'home.jpg']);
    await makeBadFiles(path.join(root, 'bad'));
  }, 120_000);

  test('writes a JSON report with relative member paths, keepers and skipped files', async () => {
    const out = path.join(base, 'report');
    const { code, stdout } = await cli(['dedup', root, '--out', out, '--data-dir', ':memory:', '--json']);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(summary.files).toBe(20);
    expect(summary.skipped).toBe(4);
    const report = JSON.parse(await fs.readFile(path.join(out, 'report.json'), 'utf8'));
    expect(report.groups).toHaveLength(2);
    for (const g of report.groups) {
      expect(g.members).toHaveLength(8);
      expect(g.members.filter((m: { keeper: boolean }) => m.keeper)).toHaveLength(1);
      for (const m of g.members) {
        expect(path.isAbsolute(m.path)).toBe(false);
        expect(existsSync(path.join(root, m.path))).toBe(true);
        expect(m.size).toBeGreaterThan(0);
      }
    }
    expect(report.skipped.map((s: { path: string }) => s.path).sort()).toEqual(
      ['bad/bomb.png', 'bad/empty.jpg', 'bad/notes.png', 'bad/truncated.jpg'].sort(),
    );
  }, 120_000);

  test('move is a dry run without --confirm; with it files move and --undo restores them', async () => {
    const out = path.join(base, 'report-move');
    const target = path.join(base, 'dups');
    const dry = await cli([
      'dedup',
      root,
      '--out',
      out,
      '--data-dir',
      ':memory:',
      '--action',
      'move',
      '--target',
      target,
    ]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('dry run: 14 move steps would run');
    expect(existsSync(target)).toBe(false);

    const done = await cli([
      'dedup',
      root,
      '--out',
      out,
      '--data-dir',
      ':memory:',
      '--action',
      'move',
      '--target',
      target,
      '--confirm',
      '--json',
    ]);
    expect(done.code).toBe(0);
    const moved = JSON.parse(done.stdout.trim().split('\n').pop()!).outcomes.filter(
      (o: { status: string }) => o.status === 'done',
    );
    expect(moved).toHaveLength(14);
    for (const o of moved) expect(existsSync(o.from)).toBe(false);

    const undo = await cli(['dedup', '--undo', path.join(out, 'undo.jsonl')]);
    expect(undo.code).toBe(0);
    expect(undo.stdout).toContain('14 restored');
    for (const o of moved) expect(existsSync(o.from)).toBe(true);
  }, 180_000);

  test('--no-cache opens no database unless one is named; the groups are the same', async () => {
    const cwd = process.cwd();
    const envUrl = process.env.RXVISION_DATABASE_URL;
    const work = mkdtempSync(path.join(base, 'no-cache-'));
    delete process.env.RXVISION_DATABASE_URL;
    try {
      // The default database is ./data/db: run where it would be created.
      process.chdir(work);
      const bare = await cli(['dedup', root, '--out', path.join(work, 'bare'), '--no-cache', '--json']);
      expect(bare.code).toBe(0);
      expect(existsSync(path.join(work, 'data'))).toBe(false);
      // No database, so no result rows: the summary has no run id.
      expect(JSON.parse(bare.stdout.trim().split('\n').pop()!).runId).toBeUndefined();
      const named = path.join(work, 'named-db');
      const withDb = await cli([
        'dedup',
        root,
        '--out',
        path.join(work, 'named'),
        '--no-cache',
        '--data-dir',
        named,
        '--json',
      ]);
      expect(withDb.code).toBe(0);
      expect(existsSync(path.join(named, 'PG_VERSION'))).toBe(true);
      expect(JSON.parse(withDb.stdout.trim().split('\n').pop()!).runId).toEqual(expect.any(String));
      const groups = async (dir: string) =>
        (
          JSON.parse(await fs.readFile(path.join(work, dir, 'report.json'), 'utf8')) as {
            groups: { members: { path: string }[] }[];
          }
        ).groups
          .map((g) => g.members.map((m) => m.path).sort())
          .sort();
      expect(await groups('bare')).toHaveLength(2);
      expect(await groups('bare')).toEqual(await groups('named'));
    } finally {
      process.chdir(cwd);
      if (envUrl !== undefined) process.env.RXVISION_DATABASE_URL = envUrl;
    }
  }, 180_000);

  test.each([
    [['dedup', '/nonexistent/dir/xyz', '--data-dir', ':memory:']],
    [['dedup']],
    [['dedup', '.', '--action', 'shred']],
    [['dedup', '.', '--embedding-model', '/nonexistent.onnx', '--data-dir', ':memory:']],
    [['dedup', '.', '--embedding-mean', '1,2']],
  ])('bad usage exits with 2: %j', async (args) => {
    expect((await cli(args)).code).toBe(2);
  });
});
