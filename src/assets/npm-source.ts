import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { CommandError, matchesIntegrity, runCommand } from './files';
import type { NpmSource } from './manifest';

/** A downloaded archive ready for extraction. */
export interface ObtainedArchive {
  file: string;
  /** The version actually obtained (differs from the pinned one only for Debian replacements). */
  version: string;
  /** The digest it was verified against (SRI for npm, sha256 hex for Debian). */
  digest: string;
  /** True when the machine-wide download cache already had it. */
  fromCache: boolean;
  warnings: string[];
}

/** File name of a package tarball in the download cache ("@scope/name" -> "scope-name-1.0.0.tgz"). */
export function npmCacheName(source: NpmSource): string {
  return `${source.package.replace(/^@/, '').replace(/\//g, '-')}-${source.version}.tgz`;
}

/**
 * Gets the tarball of an npm package version: from `<cacheDir>/npm` when it is there and matches the pinned
 * integrity, else with `npm pack` (which reads the registry through npm's own cache and config), verified
 * against the pinned integrity before it is moved into the cache. Throws CommandError or Error with the
 * reason; the caller adds the asset context.
 */
export async function obtainNpmTarball(source: NpmSource, cacheDir: string): Promise<ObtainedArchive> {
  const dir = path.join(cacheDir, 'npm');
  const cached = path.join(dir, npmCacheName(source));
  const warnings: string[] = [];
  if (existsSync(cached)) {
    if (await matchesIntegrity(cached, source.integrity)) {
      return { file: cached, version: source.version, digest: source.integrity, fromCache: true, warnings };
    }
    warnings.push(`cached ${cached} did not match ${source.integrity}; downloaded again`);
  }
  await mkdir(dir, { recursive: true });
  const tmp = await mkdtemp(path.join(dir, '.pack-'));
  try {
    const spec = `${source.package}@${source.version}`;
    const { stdout } = await runCommand(
      'npm',
      ['pack', spec, '--pack-destination', tmp, '--json', '--ignore-scripts'],
      {
        cwd: tmp,
      },
    ).catch((err: unknown) => {
      throw err instanceof CommandError ? withNpmJsonError(err) : err;
    });
    const packed = parsePackOutput(stdout);
    const file = path.join(tmp, packed.filename ?? (await onlyFile(tmp, '.tgz')));
    if (packed.integrity && packed.integrity !== source.integrity) {
      throw new Error(`registry integrity ${packed.integrity} differs from the pinned ${source.integrity}`);
    }
    if (!(await matchesIntegrity(file, source.integrity))) {
      throw new Error(`downloaded tarball does not match the pinned integrity ${source.integrity}`);
    }
    await rename(file, cached);
    return { file: cached, version: source.version, digest: source.integrity, fromCache: false, warnings };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** With --json, npm reports failures as `{"error": {"code", "summary"}}` on stdout: the clearest reason. */
function withNpmJsonError(err: CommandError): CommandError {
  try {
    const parsed = JSON.parse(err.stdout) as { error?: { code?: string; summary?: string } };
    if (parsed.error?.summary) {
      const reason = [parsed.error.code, parsed.error.summary].filter(Boolean).join(' ');
      return new CommandError(err.command, reason, err.stderr, err.stdout);
    }
  } catch {
    // not JSON: keep the reason taken from stderr
  }
  return err;
}

function parsePackOutput(stdout: string): { filename?: string; integrity?: string } {
  try {
    const parsed = JSON.parse(stdout) as Array<{ filename?: string; integrity?: string }>;
    return parsed[0] ?? {};
  } catch {
    return {};
  }
}

/** The single file with the given extension in a folder (for tools that name their output themselves). */
export async function onlyFile(dir: string, ext: string): Promise<string> {
  const names = (await readdir(dir)).filter((n) => n.endsWith(ext));
  if (names.length !== 1) throw new Error(`expected one ${ext} file in ${dir}, found ${names.length}`);
  return names[0];
}
