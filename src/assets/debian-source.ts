import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { CommandError, runCommand, sha256File } from './files';
import type { DebianSource } from './manifest';
import { onlyFile, type ObtainedArchive } from './npm-source';

/** Where apt keeps its package lists; empty on a fresh image before `apt-get update`. */
const APT_LISTS_DIR = '/var/lib/apt/lists';

/** File name of a .deb in the download cache (the name apt uses, epoch colon escaped). */
export function debCacheName(pkg: string, version: string, architecture: string): string {
  return `${pkg}_${version.replace(/:/g, '%3a')}_${architecture}.deb`;
}

/**
 * Gets a Debian package's .deb without installing it. Order: the pinned version from `<cacheDir>/debian`
 * (checked against the pinned sha256); else `apt-get download pkg=version` (checked the same way); if apt no
 * longer offers that version, the candidate version, checked against the SHA256 that `apt-cache show` lists
 * for it. Missing apt lists (a fresh image) trigger one `apt-get update`.
 */
export async function obtainDeb(source: DebianSource, cacheDir: string): Promise<ObtainedArchive> {
  const dir = path.join(cacheDir, 'debian');
  const warnings: string[] = [];
  const pinnedCached = path.join(dir, debCacheName(source.package, source.version, source.architecture));
  if (existsSync(pinnedCached)) {
    if ((await sha256File(pinnedCached)) === source.sha256) {
      return {
        file: pinnedCached,
        version: source.version,
        digest: source.sha256,
        fromCache: true,
        warnings,
      };
    }
    warnings.push(`cached ${pinnedCached} did not match sha256 ${source.sha256}; downloaded again`);
  }
  await mkdir(dir, { recursive: true });
  await ensureAptLists();

  const pinned = await aptVersionInfo(source.package, source.version);
  if (pinned) {
    if (pinned.sha256 !== source.sha256) {
      throw new Error(
        `apt lists sha256 ${pinned.sha256} for ${source.package} ${source.version}, the manifest pins ${source.sha256}`,
      );
    }
    const file = await download(source.package, source.version, source.sha256, dir, pinnedCached);
    return { file, version: source.version, digest: source.sha256, fromCache: false, warnings };
  }
  const candidate = await aptCandidate(source.package);
  if (!candidate) {
    throw new Error(`apt knows no version of ${source.package} (is the Debian archive in sources.list?)`);
  }
  warnings.push(
    `Debian ${source.package} ${source.version} is no longer offered; using ${candidate.version}, ` +
      `verified against apt's SHA256 only (files are not checked against the manifest's hashes)`,
  );
  const cached = path.join(dir, debCacheName(source.package, candidate.version, source.architecture));
  if (existsSync(cached) && (await sha256File(cached)) === candidate.sha256) {
    return { file: cached, version: candidate.version, digest: candidate.sha256, fromCache: true, warnings };
  }
  const file = await download(source.package, candidate.version, candidate.sha256, dir, cached);
  return { file, version: candidate.version, digest: candidate.sha256, fromCache: false, warnings };
}

async function download(
  pkg: string,
  version: string,
  sha256: string,
  dir: string,
  dest: string,
): Promise<string> {
  const tmp = await mkdtemp(path.join(dir, '.download-'));
  try {
    await runCommand('apt-get', ['download', '-q', `${pkg}=${version}`], { cwd: tmp });
    const file = path.join(tmp, await onlyFile(tmp, '.deb'));
    const actual = await sha256File(file);
    if (actual !== sha256) {
      throw new Error(`downloaded ${path.basename(file)} has sha256 ${actual}, expected ${sha256}`);
    }
    await rename(file, dest);
    return dest;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Runs `apt-get update` once when apt has no package lists at all (fresh container images). */
async function ensureAptLists(): Promise<void> {
  const hasLists =
    existsSync(APT_LISTS_DIR) &&
    readdirSync(APT_LISTS_DIR).some((name) => name.endsWith('_Packages') || name.includes('_Packages.'));
  if (hasLists) return;
  try {
    await runCommand('apt-get', ['update', '-q']);
  } catch (err) {
    const reason = err instanceof CommandError ? err.reason : String(err);
    throw new Error(`apt has no package lists and \`apt-get update\` failed (${reason}); run it as root`);
  }
}

interface AptVersion {
  version: string;
  sha256: string;
}

/** The SHA256 apt lists for one version of a package, or undefined when apt does not offer it. */
export async function aptVersionInfo(pkg: string, version: string): Promise<AptVersion | undefined> {
  let stdout: string;
  try {
    ({ stdout } = await runCommand('apt-cache', ['show', `${pkg}=${version}`]));
  } catch {
    return undefined;
  }
  const sha = /^SHA256:\s*([0-9a-f]{64})\s*$/m.exec(stdout);
  return sha ? { version, sha256: sha[1] } : undefined;
}

/** The candidate version apt would install, with its SHA256. */
async function aptCandidate(pkg: string): Promise<AptVersion | undefined> {
  let stdout: string;
  try {
    ({ stdout } = await runCommand('apt-cache', ['policy', pkg]));
  } catch {
    return undefined;
  }
  const candidate = /^\s*Candidate:\s*(\S+)\s*$/m.exec(stdout)?.[1];
  if (!candidate || candidate === '(none)') return undefined;
  return aptVersionInfo(pkg, candidate);
}
