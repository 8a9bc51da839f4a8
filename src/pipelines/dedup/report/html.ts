/**
 * Self-contained HTML review page: every thumbnail is an inline base64 JPEG made with sharp, styles are
 * inline, nothing is fetched. Groups are laid out one per row with the keeper marked.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { loadSharp } from '../../../util/sharp';
import type { DedupReport } from './model';

export interface HtmlReportOptions {
  /** Longest side of the thumbnails in pixels (default 160). */
  thumbSize?: number;
  /** Max groups rendered (default all); the rest are counted. */
  maxGroups?: number;
  title?: string;
}

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** A data: URL thumbnail of `file`, or undefined if it cannot be read any more. */
export async function thumbnailDataUrl(file: string, size: number): Promise<string | undefined> {
  try {
    const buf = await loadSharp()(file, { failOn: 'none', limitInputPixels: 100_000_000 })
      .rotate()
      .resize(size, size, { fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: 70 })
      .toBuffer();
    return `data:image/jpeg;base64,${buf.toString('base64')}`;
  } catch {
    return undefined;
  }
}

const STYLE = `
body{font-family:system-ui,sans-serif;margin:1.5em;background:#fafafa;color:#222}
h1{font-size:1.4em}.summary{color:#555}
.group{background:#fff;border:1px solid #ddd;border-radius:6px;margin:1em 0;padding:.8em}
.group h2{font-size:1em;margin:0 0 .5em}
.members{display:flex;flex-wrap:wrap;gap:.8em}
.member{border:2px solid #ccc;border-radius:4px;padding:.4em;width:180px;font-size:.8em;word-break:break-all}
.member.keeper{border-color:#2a8a2a;background:#f0fff0}
.member img{display:block;max-width:160px;max-height:160px;margin:0 auto .3em}
.badge{display:inline-block;background:#2a8a2a;color:#fff;border-radius:3px;padding:0 .4em;font-weight:bold}
table{border-collapse:collapse;font-size:.85em}td,th{border:1px solid #ddd;padding:.2em .5em;text-align:left}
`;

/** Renders the report as one HTML document (thumbnails read from `report.root`). */
export async function renderHtmlReport(
  report: DedupReport,
  options: HtmlReportOptions = {},
): Promise<string> {
  const size = options.thumbSize ?? 160;
  const groups = report.groups.slice(0, options.maxGroups ?? report.groups.length);
  const title = options.title ?? 'rxvision duplicate report';
  const reclaimable = report.groups.reduce((s, g) => s + g.reclaimableBytes, 0);
  const parts: string[] = [
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>`,
    `<h1>${escapeHtml(title)}</h1>`,
    `<p class="summary">Root: <code>${escapeHtml(report.root)}</code> &middot; ${report.groups.length} groups &middot; ` +
      `${formatBytes(reclaimable)} reclaimable &middot; ${report.skipped.length} skipped &middot; ` +
      `generated ${escapeHtml(report.generatedAt)}</p>`,
  ];
  for (const g of groups) {
    parts.push(
      `<section class="group" id="group-${g.id}"><h2>Group ${g.id} &middot; ${g.kind} &middot; score ${g.score.toFixed(3)} ` +
        `&middot; ${g.members.length} files &middot; ${formatBytes(g.reclaimableBytes)} reclaimable</h2><div class="members">`,
    );
    for (const m of g.members) {
      const img = await thumbnailDataUrl(path.join(report.root, m.path), size);
      parts.push(
        `<div class="member${m.keeper ? ' keeper' : ''}">` +
          (img ? `<img src="${img}" alt="${escapeHtml(m.path)}">` : '<p>(unreadable)</p>') +
          (m.keeper ? '<span class="badge">KEEP</span> ' : '') +
          `<div>${escapeHtml(m.path)}</div><div>${m.width}&times;${m.height} ${escapeHtml(m.format)} &middot; ` +
          `${formatBytes(m.size)} &middot; score ${m.score.toFixed(3)}</div></div>`,
      );
    }
    parts.push('</div></section>');
  }
  if (groups.length < report.groups.length) {
    parts.push(`<p>${report.groups.length - groups.length} more groups not shown (see the JSON report).</p>`);
  }
  if (report.skipped.length) {
    parts.push('<h2>Skipped files</h2><table><tr><th>file</th><th>reason</th><th>detail</th></tr>');
    for (const s of report.skipped) {
      parts.push(
        `<tr><td>${escapeHtml(s.path)}</td><td>${s.reason}</td><td>${escapeHtml(s.detail)}</td></tr>`,
      );
    }
    parts.push('</table>');
  }
  parts.push('</body></html>\n');
  return parts.join('\n');
}

/** Writes the HTML report (creating the folder). */
export async function writeHtmlReport(
  report: DedupReport,
  file: string,
  options?: HtmlReportOptions,
): Promise<void> {
  await fs.mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await fs.writeFile(file, await renderHtmlReport(report, options));
}
