import type { BenchReport, ReportTable } from './types';
import { describeMachine, type MachineInfo } from './machine';

function cell(v: string | number): string {
  return String(v).replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function markdownTable(t: ReportTable): string {
  const lines = [
    `| ${t.columns.map(cell).join(' | ')} |`,
    `| ${t.columns.map(() => '---').join(' | ')} |`,
    ...t.rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ];
  return (t.caption ? `${t.caption}\n\n` : '') + lines.join('\n');
}

/** The whole run as Markdown: machine line, then one section per benchmark. */
export function markdownReport(machine: MachineInfo, reports: BenchReport[], mode: string): string {
  const parts = [
    `Measured ${machine.date.slice(0, 10)} (${mode} mode) on ${describeMachine(machine)}.`,
    'Every ratio compares figures taken in this same run.',
  ];
  for (const r of reports) {
    parts.push(`### ${r.title}`);
    if (r.skipped) {
      parts.push(`Skipped: ${r.skipped}`);
      continue;
    }
    if (r.error) parts.push(`**Failed:** ${r.error}`);
    if (r.baseline) parts.push(`Baseline: ${r.baseline}`);
    for (const t of r.tables) parts.push(markdownTable(t));
    for (const n of r.notes) parts.push(`- ${n}`);
  }
  return parts.join('\n\n') + '\n';
}

/** A best-effort table for results of modules we do not know the shape of (other helpers' benchmarks). */
export function genericTables(value: unknown): ReportTable[] {
  const tables: ReportTable[] = [];
  const scalarRow = (o: Record<string, unknown>) =>
    Object.entries(o).filter(([, v]) => v === null || typeof v !== 'object');
  const fromArray = (caption: string | undefined, rows: unknown[]) => {
    const objects = rows.filter((r): r is Record<string, unknown> => typeof r === 'object' && r !== null);
    if (objects.length === 0) return;
    const columns = [...new Set(objects.flatMap((o) => scalarRow(o).map(([k]) => k)))];
    tables.push({
      caption,
      columns,
      rows: objects.map((o) => columns.map((c) => show(o[c]))),
    });
  };
  if (Array.isArray(value)) fromArray(undefined, value);
  else if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    const scalars = scalarRow(o);
    const nested = Object.entries(o).filter(([, v]) => v && typeof v === 'object' && !Array.isArray(v));
    const rows: Array<[string, string | number]> = scalars.map(([k, v]) => [k, show(v)]);
    for (const [k, v] of nested) {
      for (const [k2, v2] of scalarRow(v as Record<string, unknown>)) rows.push([`${k}.${k2}`, show(v2)]);
    }
    if (rows.length) tables.push({ columns: ['figure', 'value'], rows });
    for (const [k, v] of Object.entries(o)) if (Array.isArray(v)) fromArray(k, v);
  }
  return tables;
}

function show(v: unknown): string | number {
  if (typeof v === 'number') return Number.isInteger(v) ? v : Number(v.toPrecision(4));
  if (v === undefined || v === null) return '';
  return String(v);
}
