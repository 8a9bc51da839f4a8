import path from 'node:path';

/**
 * Exclude globs that keep the report folder and action targets out of the scan when they lie inside
 * `root` (a re-run must not find last run's report or moved duplicates as new images).
 */
export function selfExcludes(root: string, folders: readonly (string | undefined)[]): string[] {
  const globs: string[] = [];
  for (const f of folders) {
    if (!f) continue;
    const rel = path.relative(root, f);
    if (rel && !rel.startsWith('..') && !path.isAbsolute(rel))
      globs.push(`${rel.split(path.sep).join('/')}/**`);
  }
  return globs;
}
