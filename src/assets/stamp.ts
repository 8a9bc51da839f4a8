import { createHash } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sha256File } from './files';
import type { AssetSpec } from './manifest';

/** Name of the stamp file written last into every installed asset folder. */
export const STAMP_FILE = '.rxvision-asset.json';

/** What an installed asset folder holds, as recorded when it was installed. */
export interface AssetStamp {
  id: string;
  /** sha256 of the manifest entry it was installed from; a changed entry means re-fetch. */
  specHash: string;
  source: { kind: string; package: string; version: string; digest: string };
  /** True when files were checked against the manifest's hashes (always for npm; pinned Debian version). */
  strict: boolean;
  files: { path: string; size: number; sha256: string }[];
  fetchedAt: string;
}

/** sha256 of a manifest entry (its JSON form; entries are plain literals so key order is stable). */
export function specHash(spec: AssetSpec): string {
  return createHash('sha256').update(JSON.stringify(spec)).digest('hex');
}

/** Reads an asset folder's stamp; undefined when absent or unreadable. */
export async function readStamp(dir: string): Promise<AssetStamp | undefined> {
  try {
    return JSON.parse(await readFile(path.join(dir, STAMP_FILE), 'utf8')) as AssetStamp;
  } catch {
    return undefined;
  }
}

export async function writeStamp(dir: string, stamp: AssetStamp): Promise<void> {
  await writeFile(path.join(dir, STAMP_FILE), JSON.stringify(stamp, null, 2) + '\n');
}

/** Outcome of checking an installed asset folder. */
export type InstalledCheck = { ok: true; stamp: AssetStamp } | { ok: false; reason: string };

/**
 * Checks an installed asset folder against its stamp and the manifest entry. The fast check compares the
 * stamp's manifest hash and every file's size (a stat per file); `deep` re-hashes every file.
 */
export async function checkInstalled(spec: AssetSpec, dir: string, deep: boolean): Promise<InstalledCheck> {
  const stamp = await readStamp(dir);
  if (!stamp) return { ok: false, reason: `no ${STAMP_FILE} in ${dir}` };
  if (stamp.specHash !== specHash(spec))
    return { ok: false, reason: 'the manifest entry changed since it was fetched' };
  const recorded = new Map(stamp.files.map((f) => [f.path, f]));
  for (const file of spec.files) {
    const entry = recorded.get(file.path);
    if (!entry) return { ok: false, reason: `${file.path} is not in the stamp` };
    const expected = stamp.strict ? file : entry;
    const problem = await checkFile(
      path.join(dir, file.path),
      expected.size,
      deep ? expected.sha256 : undefined,
    );
    if (problem) return { ok: false, reason: problem };
  }
  return { ok: true, stamp };
}

/** Returns what is wrong with a file (missing, size, sha256), or undefined when it matches. */
export async function checkFile(file: string, size: number, sha256?: string): Promise<string | undefined> {
  let actualSize: number;
  try {
    actualSize = (await stat(file)).size;
  } catch {
    return `${file} is missing`;
  }
  if (actualSize !== size) return `${file} has ${actualSize} bytes, expected ${size}`;
  if (sha256 !== undefined) {
    const actual = await sha256File(file);
    if (actual !== sha256) return `${file} has sha256 ${actual}, expected ${sha256}`;
  }
  return undefined;
}
