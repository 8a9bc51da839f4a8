import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { DedupReport } from './model';

/** The JSON report text: `{ root, generatedAt, groups: [...], skipped: [...] }`, pretty-printed. */
export function renderJsonReport(report: DedupReport): string {
  return JSON.stringify(report, null, 2) + '\n';
}

/** Writes the JSON report (creating the folder). */
export async function writeJsonReport(report: DedupReport, file: string): Promise<void> {
  await fs.mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await fs.writeFile(file, renderJsonReport(report));
}
