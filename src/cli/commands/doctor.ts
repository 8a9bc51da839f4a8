import type { Command } from 'commander';
import { analyzeSystem, type DoctorReport } from '../../doctor/analyze';
import { formatAutoConfig } from '../../pools/autoconfig';
import { ExitCode } from '../exit-codes';

/** Human-readable doctor report. */
export function formatDoctorReport(r: DoctorReport): string {
  const ok = (b: boolean) => (b ? 'ok' : 'MISSING');
  const lines = [
    `node ${r.system.nodeVersion} on ${r.system.osRelease}, CPU ${r.system.cpuModel}`,
    r.opencv.ok
      ? `opencv: ${r.opencv.version} (video I/O: ${r.opencv.videoBackends?.join(', ') || 'none'}; parallel: ${r.opencv.parallelFramework ?? '?'})`
      : `opencv: NOT AVAILABLE: ${r.opencv.error}`,
    r.onnxruntime.ok
      ? `onnxruntime-node: ${r.onnxruntime.version} (execution providers: ${r.onnxruntime.executionProviders?.join(', ')})`
      : `onnxruntime-node: NOT AVAILABLE: ${r.onnxruntime.error}`,
    ...r.assets.map((a) => `asset ${a.id}: ${ok(a.present)} (${a.path})`),
    formatAutoConfig(r.autoConfig),
    `database batch: ${r.databaseBatch.reason}`,
  ];
  return lines.join('\n');
}

/** `pipeline doctor`: the system analysis (the original dedup system's ThreadingOptimizer report). */
export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description(
      'analyse this machine: cores, memory, OpenCV, onnxruntime, assets, and the pool/batch sizes rxvision picks',
    )
    .option('--json', 'print the report as JSON')
    .action(async (opts: { json?: boolean }) => {
      const report = await analyzeSystem();
      process.stdout.write(
        opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatDoctorReport(report)}\n`,
      );
      const healthy = report.opencv.ok && report.onnxruntime.ok && report.assets.every((a) => a.present);
      if (!healthy)
        process.exitCode = report.assets.some((a) => !a.present) ? ExitCode.assets : ExitCode.failure;
    });
}
