/**
 * Helpers of the dedup fault tests: the built CLI (`node dist/src/cli/main.js`) run as a real process,
 * and small real image sets in temp folders.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { samplesDir } from '../dedup/corpus';

export const CLI = path.resolve(__dirname, '../../dist/src/cli/main.js');

/** What a finished CLI process left. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The last stdout line parsed as JSON (with --json), if any. */
  json?: Record<string, unknown>;
  /** Peak resident set size in kB (only when run under /usr/bin/time -v). */
  maxRssKb?: number;
}

/** A started CLI process: `done` settles when it exits. */
export interface CliProcess {
  done: Promise<CliRun>;
  pid: number;
}

/** Starts `pipeline <args>` as a child process (optionally under `/usr/bin/time -v`). */
export function startCli(
  args: string[],
  options: { env?: Record<string, string>; measure?: boolean } = {},
): CliProcess {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npx tsc -p tsconfig.json)`);
  if (options.measure && !existsSync('/usr/bin/time'))
    throw new Error('/usr/bin/time is missing: apt-get install time (scripts/test.sh installs it)');
  const argv = ['--log-level', 'error', ...args];
  const child = options.measure
    ? spawn('/usr/bin/time', ['-v', process.execPath, CLI, ...argv], {
        env: { ...process.env, ...options.env },
      })
    : spawn(process.execPath, [CLI, ...argv], { env: { ...process.env, ...options.env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      const last = stdout.trim().split('\n').pop() ?? '';
      let json: Record<string, unknown> | undefined;
      try {
        json = last.startsWith('{') ? (JSON.parse(last) as Record<string, unknown>) : undefined;
      } catch {
        json = undefined;
      }
      const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
      resolve({ code, stdout, stderr, json, maxRssKb: rss ? Number(rss[1]) : undefined });
    });
  });
  return { done, pid: child.pid! };
}

/** Runs `pipeline <args>` to its end. */
export function runCli(args: string[], options: { env?: Record<string, string>; measure?: boolean } = {}) {
  return startCli(args, options).done;
}

/** `pipeline dedup <root> ...` flags every fault test uses: in-memory database, no cache, JSON summary. */
export function dedupArgs(root: string, out: string, ...more: string[]): string[] {
  return [
    'dedup',
    root,
    '--out',
    out,
    '--data-dir',
    ':memory:',
    '--no-cache',
    '--json',
    '--no-progress',
    ...more,
  ];
}

export function tempDir(name: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `fault-${name}-`));
}

/** Writes a sample picture (`fruits.jpg` by default) to `file`; `half` writes a half-size JPEG copy. */
export async function writePicture(
  file: string,
  variant: 'original' | 'half' = 'original',
  name = 'fruits.jpg',
) {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const src = path.join(samplesDir(), name);
  if (variant === 'original') await fs.copyFile(src, file);
  else {
    const meta = await sharp(src).metadata();
    await sharp(src)
      .resize(Math.round(meta.width! / 2))
      .jpeg({ quality: 90 })
      .toFile(file);
  }
}

/** Sets a file's modification time (seconds since the epoch): decides the 'oldest' keeper rule. */
export async function setMtime(file: string, seconds: number): Promise<void> {
  await fs.utimes(file, seconds, seconds);
}

/** Every regular file under `dir` (relative paths, sorted) with its bytes' length. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out.push(path.relative(dir, p) + (e.isSymbolicLink() ? ' -> link' : ''));
    }
  };
  if (existsSync(dir)) await walk(dir);
  return out.sort();
}

/** Waits (polling) until `file` exists; the process under test writes it. */
export async function waitForFile(file: string, proc: CliProcess): Promise<void> {
  let exited = false;
  void proc.done.then(() => (exited = true));
  while (!existsSync(file)) {
    if (exited) throw new Error(`the CLI exited before writing ${file}: ${(await proc.done).stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
