/**
 * The built CLI (`node dist/src/cli/main.js`) as a real child process: output collected, its peak
 * resident memory sampled from /proc, signals sent, exit awaited with its time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../../src/util/paths';

export const cliPath = path.join(packageRoot(), 'dist', 'src', 'cli', 'main.js');

export interface CliExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Highest resident set size seen (VmHWM), in MiB. */
  peakRssMiB: number;
  /** When it exited (Date.now()). */
  exitedAt: number;
}

export interface CliProcess {
  child: ChildProcess;
  pid: number;
  stdout(): string;
  stderr(): string;
  /**
   * Resolves when `pattern` appears in stderr after character `from` (or rejects when the process exits
   * first or `ms` pass).
   */
  waitFor(pattern: RegExp, ms?: number, from?: number): Promise<void>;
  exited: Promise<CliExit>;
  kill(signal: NodeJS.Signals): void;
}

function highWaterMiB(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Starts the CLI with `args` in `cwd`. */
export function startCli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): CliProcess {
  if (!existsSync(cliPath)) throw new Error(`${cliPath} missing: build first (npx tsc -p tsconfig.json)`);
  const child = spawn(process.execPath, [cliPath, ...args], {
    cwd,
    env: { ...process.env, RXVISION_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let peak = 0;
  const waiters: Array<{ seen: () => boolean; resolve: () => void }> = [];
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => {
    err += d;
    for (const w of [...waiters]) {
      if (w.seen()) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  const sampler = setInterval(() => (peak = Math.max(peak, highWaterMiB(child.pid!))), 100);
  const exited = new Promise<CliExit>((resolve) =>
    child.on('exit', (code, signal) => {
      const exitedAt = Date.now();
      clearInterval(sampler);
      // Let the pipes drain before handing the output over.
      child.on('close', () =>
        resolve({ code, signal, stdout: out, stderr: err, peakRssMiB: peak, exitedAt }),
      );
    }),
  );
  return {
    child,
    pid: child.pid!,
    stdout: () => out,
    stderr: () => err,
    exited,
    kill: (signal) => child.kill(signal),
    waitFor(pattern, ms = 60_000, from = 0) {
      const seen = () => pattern.test(err.slice(from));
      if (seen()) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no ${pattern} in the CLI's output after ${ms} ms:\n${err.slice(-3000)}`)),
          ms,
        );
        const waiter = {
          seen,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };
        waiters.push(waiter);
        void exited.then(() => {
          clearTimeout(timer);
          if (waiters.includes(waiter))
            reject(new Error(`the CLI exited before ${pattern} appeared:\n${err.slice(-3000)}`));
        });
      });
    },
  };
}
