import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, promises as fs, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { openDatabase } from '../../src/db';
import { packageRoot } from '../../src/util/paths';

const cli = path.join(packageRoot(), 'dist', 'src', 'cli', 'main.js');
const COUNT = 240;

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  signalled: boolean;
}

/**
 * Runs the compiled CLI; with `interrupt`, sends SIGINT once the first progress line of the features
 * stage (at least one file done) appears on stderr.
 */
function runCli(args: string[], interrupt: boolean): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let signalled = false;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      if (interrupt && !signalled && /"stage":"features","done":[1-9]/.test(stderr)) {
        signalled = true;
        child.kill('SIGINT');
      }
    });
    child.on('close', (code) => resolve({ code, stdout, stderr, signalled }));
  });
}

/** The last JSON line of stdout whose keys include `key`. */
function summary(stdout: string, key: string): Record<string, unknown> {
  const lines = stdout.trim().split('\n').filter(Boolean);
  const found = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((o) => key in o);
  if (found.length === 0) throw new Error(`no JSON summary with "${key}" in stdout:\n${stdout}`);
  return found.at(-1)!;
}

async function cachedRows(dataDir: string): Promise<number> {
  const database = await openDatabase({ dataDir });
  try {
    const { n } = await database.db
      .selectFrom('dedup_features')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(n);
  } finally {
    await database.close();
  }
}

describe('dedup: SIGINT during feature extraction', () => {
  let base: string;
  let images: string;

  beforeAll(async () => {
    base = mkdtempSync(path.join(os.tmpdir(), 'dedup-signal-'));
    images = path.join(base, 'images');
    await fs.mkdir(images);
    // Distinct noise pictures, large enough that extraction takes a while.
    for (let i = 0; i < COUNT; i += 16) {
      await Promise.all(
        Array.from({ length: Math.min(16, COUNT - i) }, (_, k) =>
          sharp({
            create: {
              width: 480,
              height: 360,
              channels: 3,
              background: { r: (i + k) % 256, g: 90, b: 160 },
              noise: { type: 'gaussian', mean: 128, sigma: 40 },
            },
          })
            .jpeg({ quality: 85 })
            .toFile(path.join(images, `img${String(i + k).padStart(4, '0')}.jpg`)),
        ),
      );
    }
  }, 120_000);

  test('pipeline dedup: exit 130, computed rows cached, no report; a re-run computes only the rest', async () => {
    const dataDir = path.join(base, 'db-dedup');
    const out = path.join(base, 'report');
    // One hash worker: the rest of the features take long enough that the stop lands mid-stage.
    const config = path.join(base, 'one-worker.json');
    writeFileSync(config, JSON.stringify({ pools: { hash: { size: 1 } } }));
    const args = ['dedup', images, '--config', config, '--out', out, '--data-dir', dataDir];
    args.push('--json', '--no-progress');
    const stopped = await runCli(args, true);
    expect(stopped.signalled).toBe(true);
    expect(stopped.code).toBe(130);
    const s = summary(stopped.stdout, 'interrupted');
    expect(s.interrupted).toBe(true);
    const computed = s.featuresComputed as number;
    expect(computed).toBeGreaterThan(0);
    expect(computed).toBeLessThan(COUNT);
    // Every feature computed before the stop (tasks in flight included) is in the cache.
    expect(await cachedRows(dataDir)).toBe(computed);
    // No verification, no actions, no report on a partial run.
    expect(existsSync(path.join(out, 'report.json'))).toBe(false);

    const rerun = await runCli(args, false);
    expect(rerun.code).toBe(0);
    const r = summary(rerun.stdout, 'interrupted');
    expect(r).toMatchObject({
      interrupted: false,
      files: COUNT,
      featuresCached: computed,
      featuresComputed: COUNT - computed,
    });
    expect(await cachedRows(dataDir)).toBe(COUNT);
    expect(existsSync(path.join(out, 'report.json'))).toBe(true);
  }, 240_000);

  test('pipeline run with a dedup job: exit 130 and the computed rows cached', async () => {
    const dataDir = path.join(base, 'db-run');
    const config = path.join(base, 'dedup.json');
    writeFileSync(
      config,
      JSON.stringify({
        database: { dataDir: 'db-run' },
        pools: { hash: { size: 1 } },
        dedup: [
          { id: 'first', root: 'images', out: 'report-run' },
          { id: 'second', root: 'images', out: 'report-run-2' },
        ],
      }),
    );
    const stopped = await runCli(['run', config, '--json'], true);
    expect(stopped.signalled).toBe(true);
    expect(stopped.code).toBe(130);
    const s = summary(stopped.stdout, 'dedupJob');
    expect(s).toMatchObject({ dedupJob: 'first', interrupted: true });
    const computed = s.featuresComputed as number;
    expect(computed).toBeGreaterThan(0);
    expect(computed).toBeLessThan(COUNT);
    expect(await cachedRows(dataDir)).toBe(computed);
    // The second job is not started after the stop.
    expect(stopped.stdout).not.toContain('"dedupJob":"second"');
    expect(existsSync(path.join(base, 'report-run', 'report.json'))).toBe(false);
  }, 240_000);
});
