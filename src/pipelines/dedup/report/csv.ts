import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { DedupReport } from './model';

/** Quotes a CSV field when needed (RFC 4180). */
export function csvField(value: string | number | boolean): string {
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const CSV_HEADER = ['group', 'member', 'score', 'keeper', 'size', 'width', 'height', 'kind'] as const;

/** One row per group member: group id, relative path, member score, keeper flag, size, dimensions. */
export function renderCsvReport(report: DedupReport): string {
  const lines = [CSV_HEADER.join(',')];
  for (const g of report.groups) {
    for (const m of g.members) {
      lines.push(
        [g.id, m.path, m.score.toFixed(4), m.keeper, m.size, m.width, m.height, g.kind]
          .map(csvField)
          .join(','),
      );
    }
  }
  return lines.join('\n') + '\n';
}

/** Writes the CSV report (creating the folder). */
export async function writeCsvReport(report: DedupReport, file: string): Promise<void> {
  await fs.mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await fs.writeFile(file, renderCsvReport(report));
}
