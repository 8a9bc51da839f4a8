/**
 * Read-only file serving for report folders (`/reports/<name>/<path>`): a path inside the folder is
 * resolved, checked to stay inside it (after following symlinks), and given a content type. Nothing
 * outside the configured folders is ever reachable.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.jsonl': 'application/x-ndjson; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.bmp': 'image/bmp',
};

/** Files tried, in order, when a folder itself is asked for. */
export const INDEX_FILES = ['index.html', 'report.html'];

/** Content type by file extension (application/octet-stream when unknown). */
export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** True when `child` is `parent` or inside it (both absolute, normalised). */
export function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * The file `relPath` (URL-decoded, '/'-separated) names inside `root`, or undefined when it does not
 * exist, is not a regular file, or lies outside `root` (`..`, absolute paths, NUL bytes, symlinks out).
 * A folder resolves to its index file ({@link INDEX_FILES}).
 */
export async function resolveStaticFile(root: string, relPath: string): Promise<string | undefined> {
  if (relPath.includes('\0') || relPath.includes('\\')) return undefined;
  const segments = relPath.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.some((s) => s === '..')) return undefined;
  let realRoot: string;
  try {
    realRoot = await fs.realpath(root);
  } catch {
    return undefined;
  }
  const candidate = path.resolve(realRoot, ...segments);
  if (!isInside(realRoot, candidate)) return undefined;
  try {
    const real = await fs.realpath(candidate);
    if (!isInside(realRoot, real)) return undefined;
    const stat = await fs.stat(real);
    if (stat.isFile()) return real;
    if (!stat.isDirectory()) return undefined;
    for (const index of INDEX_FILES) {
      const file = path.join(real, index);
      const s = await fs.stat(file).catch(() => undefined);
      if (s?.isFile()) return file;
    }
    return undefined;
  } catch {
    return undefined;
  }
}
