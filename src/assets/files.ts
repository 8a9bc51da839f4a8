import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { execFile, spawn } from 'node:child_process';

/** Hex sha256 of a file, streamed (the sample .deb is ~100 MB). */
export function sha256File(file: string): Promise<string> {
  return digestFile(file, 'sha256', 'hex');
}

/** Digest of a file in the given encoding. */
export function digestFile(file: string, algorithm: string, encoding: 'hex' | 'base64'): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash(algorithm);
    createReadStream(file)
      .on('error', reject)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve(hash.digest(encoding)));
  });
}

/** Whether a file matches an SRI string such as npm's `dist.integrity` ("sha512-<base64>"). */
export async function matchesIntegrity(file: string, integrity: string): Promise<boolean> {
  const match = /^(sha\d+)-(.+)$/.exec(integrity.trim());
  if (!match) throw new Error(`unsupported integrity string "${integrity}"`);
  return (await digestFile(file, match[1], 'base64')) === match[2];
}

/** A finished child process. */
export interface CommandResult {
  stdout: string;
  stderr: string;
}

/** A command that exited non-zero or could not start; `reason` is a short, user-facing summary. */
export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly reason: string,
    readonly stderr: string,
    readonly stdout = '',
  ) {
    super(`${command} failed: ${reason}`);
    this.name = 'CommandError';
  }
}

/** Runs a command without a shell and collects its output; rejects with {@link CommandError}. */
export function runCommand(
  file: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      [...args],
      { cwd: options.cwd, env: options.env, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err) {
          const command = [file, ...args].join(' ');
          const code = (err as NodeJS.ErrnoException).code;
          const reason =
            code === 'ENOENT' ? `${file} not found on PATH` : summarizeStderr(stderr, err.message);
          reject(new CommandError(command, reason, stderr, stdout));
        } else resolve({ stdout, stderr });
      },
    );
  });
}

/** The error lines of a tool's stderr (npm, apt and tar prefix them), else its last lines. */
export function summarizeStderr(stderr: string, fallback: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  const errors = lines.filter(
    (l) => /^(npm (error|ERR!)|E:|tar:|dpkg-deb:)/.test(l) && !/^npm error (A complete log|$)/.test(l),
  );
  const chosen = (errors.length > 0 ? errors : lines).slice(0, 4);
  return chosen.length > 0 ? chosen.join(' | ') : fallback;
}

/**
 * Unpacks selected members of a .deb: `dpkg-deb --fsys-tarfile deb | tar -x -C dir members...`. Taking only
 * the listed members avoids writing the whole package (opencv-doc unpacks to ~270 MB) to disk.
 */
export function extractDebMembers(deb: string, destDir: string, members: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const dpkg = spawn('dpkg-deb', ['--fsys-tarfile', deb], { stdio: ['ignore', 'pipe', 'pipe'] });
    const tar = spawn('tar', ['-x', '-C', destDir, ...members], { stdio: ['pipe', 'ignore', 'pipe'] });
    let dpkgErr = '';
    let tarErr = '';
    dpkg.stderr.on('data', (d) => (dpkgErr += d));
    tar.stderr.on('data', (d) => (tarErr += d));
    dpkg.stdout.pipe(tar.stdin);
    // tar may close its input early; the resulting EPIPE is not an error of ours.
    tar.stdin.on('error', () => undefined);
    let dpkgCode: number | null | undefined;
    let failed = false;
    const fail = (err: Error): void => {
      if (failed) return;
      failed = true;
      dpkg.kill();
      tar.kill();
      reject(err);
    };
    dpkg.on('error', (e) => fail(new CommandError(`dpkg-deb --fsys-tarfile ${deb}`, e.message, dpkgErr)));
    tar.on('error', (e) => fail(new CommandError(`tar -x -C ${destDir}`, e.message, tarErr)));
    dpkg.on('close', (code) => (dpkgCode = code));
    tar.on('close', (code) => {
      if (failed) return;
      if (code !== 0) {
        fail(new CommandError(`tar -x (from ${deb})`, summarizeStderr(tarErr, `exit code ${code}`), tarErr));
      } else if (dpkgCode !== undefined && dpkgCode !== 0 && dpkgCode !== null) {
        fail(
          new CommandError(
            `dpkg-deb --fsys-tarfile ${deb}`,
            summarizeStderr(dpkgErr, `exit ${dpkgCode}`),
            dpkgErr,
          ),
        );
      } else resolve();
    });
  });
}
