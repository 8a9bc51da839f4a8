/**
 * Feature cache rows (table `dedup_features`, migration 0003_dedup): serialisation of {@link ImageFeatures}
 * to a row and back, the freshness rule, and small Kysely helpers to read and upsert rows.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import { jsonb } from '../../db/json';
import type { DB } from '../../db/types';
import { writeRows, type ConflictTarget } from '../../db/write';
import type { FeatureSettings } from '../../config/schema/dedup-settings';
import type {
  HashVariant,
  ImageBasics,
  ImageFeatures,
  ImageSummary,
  ScanEntry,
} from '../../kernels/features/types';

/** The row shape written to `dedup_features`. */
export interface FeatureCacheRow {
  path: string;
  size: number;
  mtime_ms: number;
  content_hash: string | null;
  settings_key: string;
  width: number;
  height: number;
  format: string;
  whash: string;
  phash: string;
  dhash: string;
  variants: HashVariant[];
  colour: Uint8Array;
  thumb: Uint8Array;
  thumb_size: number;
  embedding: Uint8Array | null;
  /** Encoded foreground record (migration 0007_dedup_foreground). */
  foreground: Uint8Array;
  feature_digest: string;
}

/**
 * Key of the settings the features depend on: a cached row computed under other settings (bins,
 * thumbnail size, variants, embedding model) is stale.
 */
export function featureSettingsKey(s: FeatureSettings): string {
  const relevant = {
    thumbSize: s.thumbSize,
    hsvBins: s.hsvBins,
    variants: s.variants,
    embedding: s.embedding ?? null,
    foreground: s.foreground,
    // 2: foreground records; dHash/wHash ignore sub-grey-level noise. 3: 64x64 detail views in them.
    // 4: rows of modified files kept the previous file's foreground record (upsert missed the column).
    version: 4,
  };
  return createHash('sha1').update(JSON.stringify(relevant)).digest('hex').slice(0, 16);
}

/** Float32 little-endian bytes of a float array (a copy). */
export function floatsToBytes(v: Float32Array): Uint8Array {
  const out = new Uint8Array(v.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < v.length; i++) view.setFloat32(i * 4, v[i], true);
  return out;
}

/** Inverse of {@link floatsToBytes}; accepts Buffer or Uint8Array at any offset. */
export function bytesToFloats(b: Uint8Array): Float32Array {
  if (b.length % 4 !== 0) throw new Error(`float32 column has ${b.length} bytes, not a multiple of 4`);
  const view = new DataView(b.buffer, b.byteOffset, b.length);
  const out = new Float32Array(b.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/**
 * Fingerprint of everything the verification stages read from a feature record (the three hashes, the
 * variants, the colour signature, the thumbnail and its size, the embedding), 128 bits of sha1 as hex.
 * Two records with the same digest verify identically against anything, so it keys stored pair
 * decisions. Fields are serialised explicitly (not JSON of the objects) because jsonb reorders keys.
 */
export function featureDigest(f: ImageFeatures): string {
  const h = createHash('sha1');
  const hashes = (x: { whash: string; phash: string; dhash: string }) => `${x.whash}${x.phash}${x.dhash}`;
  h.update(`v1;${hashes(f.hashes)};${f.variants.map((v) => `${v.transform}:${hashes(v)}`).join(',')};`);
  h.update(`colour ${f.colour.length};`);
  h.update(floatsToBytes(f.colour));
  h.update(`;thumb ${f.thumbSize};`);
  h.update(f.thumb);
  h.update(`;foreground ${f.foreground.length};`);
  h.update(f.foreground);
  h.update(`;embedding ${f.embedding?.length ?? -1};`);
  if (f.embedding) h.update(floatsToBytes(f.embedding));
  return h.digest('hex').slice(0, 32);
}

/** The light part of a feature record (see {@link ImageSummary}). */
export function summaryOf(f: ImageFeatures, digest = featureDigest(f)): ImageSummary {
  return {
    path: f.path,
    width: f.width,
    height: f.height,
    format: f.format,
    hashes: f.hashes,
    variants: f.variants,
    digest,
  };
}

/** Row for one file's features. */
export function toCacheRow(
  entry: Pick<ScanEntry, 'path' | 'size' | 'mtimeMs'>,
  f: ImageFeatures,
  settingsKey: string,
  contentHash: string | null = null,
): FeatureCacheRow {
  return {
    path: entry.path,
    size: entry.size,
    mtime_ms: entry.mtimeMs,
    content_hash: contentHash,
    settings_key: settingsKey,
    width: f.width,
    height: f.height,
    format: f.format,
    whash: f.hashes.whash,
    phash: f.hashes.phash,
    dhash: f.hashes.dhash,
    variants: f.variants,
    colour: floatsToBytes(f.colour),
    thumb: Uint8Array.from(f.thumb),
    thumb_size: f.thumbSize,
    embedding: f.embedding ? floatsToBytes(f.embedding) : null,
    foreground: Uint8Array.from(f.foreground),
    feature_digest: featureDigest(f),
  };
}

/** A row as read back (bigint may come back as a string, jsonb as parsed JSON, bytea as Buffer). */
export type StoredCacheRow = Omit<FeatureCacheRow, 'size' | 'variants' | 'feature_digest' | 'foreground'> & {
  /** Null on rows written before migration 0007_dedup_foreground (their settings key is stale anyway). */
  foreground?: Uint8Array | null;
  size: number | string;
  variants: unknown;
  /** Null on rows written before migration 0005_dedup_pairs. */
  feature_digest?: string | null;
};

/** The light columns of a cached row: everything but the colour signature, thumbnail and embedding. */
const INDEX_COLUMNS = [
  'path',
  'size',
  'mtime_ms',
  'content_hash',
  'settings_key',
  'width',
  'height',
  'format',
  'whash',
  'phash',
  'dhash',
  'variants',
  'feature_digest',
] as const;

/** A cached row's light columns (see `readCacheIndex`). */
export type CacheIndexRow = Pick<StoredCacheRow, (typeof INDEX_COLUMNS)[number]>;

function parseVariants(v: unknown): HashVariant[] {
  return ((typeof v === 'string' ? JSON.parse(v) : v) as HashVariant[] | null) ?? [];
}

/** The {@link ImageBasics} of a light or full row. */
function basicsFromRow(row: CacheIndexRow): ImageBasics {
  return {
    path: row.path,
    width: row.width,
    height: row.height,
    format: row.format,
    hashes: { whash: row.whash, phash: row.phash, dhash: row.dhash },
    variants: parseVariants(row.variants),
  };
}

/** Summary from a light row whose digest is known. */
export function summaryFromIndexRow(row: CacheIndexRow & { feature_digest: string }): ImageSummary {
  return { ...basicsFromRow(row), digest: row.feature_digest };
}

function foregroundFromRow(row: StoredCacheRow): Uint8Array {
  if (!row.foreground) throw new Error(`${row.path}: cached features predate foreground records (stale row)`);
  return Uint8Array.from(row.foreground);
}

/** Features from a stored row. */
export function fromCacheRow(row: StoredCacheRow): ImageFeatures {
  return {
    ...basicsFromRow(row),
    colour: bytesToFloats(row.colour),
    thumb: Uint8Array.from(row.thumb),
    thumbSize: row.thumb_size,
    foreground: foregroundFromRow(row),
    embedding: row.embedding ? bytesToFloats(row.embedding) : undefined,
  };
}

/** Whether a stored row still describes the file as scanned now, under the same settings. */
export function isFresh(
  row: Pick<StoredCacheRow, 'size' | 'mtime_ms' | 'settings_key' | 'content_hash'>,
  entry: Pick<ScanEntry, 'size' | 'mtimeMs'>,
  settingsKey: string,
  contentHash?: string,
): boolean {
  if (Number(row.size) !== entry.size || row.mtime_ms !== entry.mtimeMs || row.settings_key !== settingsKey)
    return false;
  return !(contentHash && row.content_hash && row.content_hash !== contentHash);
}

/**
 * Rows of `dedup_features` for a batch of paths (one query), keyed by path: every column, or only
 * `columns`. The row type is the caller's: what the dialect returns for bigint, jsonb and bytea varies.
 */
async function rowsByPath<R extends { path: string }>(
  db: Kysely<DB>,
  paths: readonly string[],
  columns?: readonly (keyof R & string)[],
): Promise<Map<string, R>> {
  const out = new Map<string, R>();
  if (paths.length === 0) return out;
  const from = db.selectFrom('dedup_features');
  const query = columns ? from.select(columns as readonly (keyof DB['dedup_features'])[]) : from.selectAll();
  const rows = await query.where('path', 'in', [...paths]).execute();
  for (const r of rows) out.set(r.path, r as unknown as R);
  return out;
}

/** Reads the cached rows for a batch of paths (one query). */
export function readCachedRows(
  db: Kysely<DB>,
  paths: readonly string[],
): Promise<Map<string, StoredCacheRow>> {
  return rowsByPath<StoredCacheRow>(db, paths);
}

/**
 * Reads the light columns of the cached rows for a batch of paths (one query): enough to decide
 * freshness, find candidates and write reports, without the kilobytes of thumbnail and signature.
 */
export function readCacheIndex(
  db: Kysely<DB>,
  paths: readonly string[],
): Promise<Map<string, CacheIndexRow>> {
  return rowsByPath<CacheIndexRow>(db, paths, INDEX_COLUMNS);
}

/**
 * Reads the colour signatures of the cached rows for a batch of paths (one query), keyed by path: what
 * verification stages 1-2 need beyond the summaries, without thumbnails and embeddings. The column comes
 * as base64 text: decoding bytea in the driver cost three times as much per row (PGlite, 512-byte
 * signatures: 78 against 22 us per row in batches of 1,000), and verification reads millions of them.
 */
export async function readCachedColours(
  db: Kysely<DB>,
  paths: readonly string[],
): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  if (paths.length === 0) return out;
  const rows = await db
    .selectFrom('dedup_features')
    .select(['path', sql<string>`encode(colour, 'base64')`.as('colour')])
    .where('path', 'in', [...paths])
    .execute();
  for (const r of rows) out.set(r.path, bytesToFloats(Buffer.from(r.colour, 'base64')));
  return out;
}

/** Stores digests computed for rows written before digests existed (one UPDATE per 500 rows). */
export async function setFeatureDigests(
  db: Kysely<DB>,
  digests: readonly { path: string; digest: string }[],
): Promise<void> {
  for (let i = 0; i < digests.length; i += 500) {
    const values = digests.slice(i, i + 500).map((d) => sql`(${d.path}, ${d.digest})`);
    await sql`update dedup_features as f set feature_digest = v.digest
      from (values ${sql.join(values)}) as v(path, digest) where f.path = v.path`.execute(db);
  }
}

/** Every column of a cache row but its key: an upsert replaces them all. */
const REPLACED_COLUMNS = [
  ...INDEX_COLUMNS.filter((c) => c !== 'path'),
  'colour',
  'thumb',
  'thumb_size',
  'embedding',
  'foreground',
] as const;
// Compile-time check: a column added to FeatureCacheRow but not to REPLACED_COLUMNS would keep the
// previous file's data on the row of a modified file (as `foreground` once did).
type Unreplaced = Exclude<keyof FeatureCacheRow, 'path' | (typeof REPLACED_COLUMNS)[number]>;
const everyColumnReplaced: [Unreplaced] extends [never] ? true : Unreplaced = true;
void everyColumnReplaced;

/** A cache row is replaced by the newest features of its path. */
export const CACHE_CONFLICT: ConflictTarget<DB, 'dedup_features'> = {
  columns: ['path'],
  update: [...REPLACED_COLUMNS, 'updated_at'],
};

/** Upserts rows, the newest row of a path winning (chunked under the bind-parameter limit, one transaction). */
export async function upsertCacheRows(db: Kysely<DB>, rows: readonly FeatureCacheRow[]): Promise<void> {
  const updatedAt = new Date();
  const values = rows.map((r) => cacheDbRow(r, updatedAt));
  await writeRows(db, 'dedup_features', values, { conflict: CACHE_CONFLICT });
}

/** The `dedup_features` row of a cache row (variants as jsonb). */
export function cacheDbRow(r: FeatureCacheRow, updatedAt = new Date()) {
  return { ...r, variants: jsonb(r.variants), updated_at: updatedAt };
}

/** What {@link pruneCache} removed. */
export interface PruneResult {
  /** Rows deleted. */
  count: number;
  /** Feature digests of the deleted rows (their stored pair decisions may now be orphans). */
  digests: string[];
}

/**
 * Deletes cache rows of files under `root` that the scan did not see and that no longer exist (a file
 * merely left out by include/exclude globs keeps its row).
 */
export async function pruneCache(
  db: Kysely<DB>,
  root: string,
  scanned: ReadonlySet<string>,
  batchSize = 200,
): Promise<PruneResult> {
  const prefix = root.endsWith(path.sep) ? root : root + path.sep;
  const rows = await db
    .selectFrom('dedup_features')
    .select(['path', 'feature_digest'])
    .where(sql<boolean>`left(path, ${prefix.length}) = ${prefix}`)
    .execute();
  const gone: string[] = [];
  const digests: string[] = [];
  for (const { path: p, feature_digest: digest } of rows) {
    if (scanned.has(p)) continue;
    try {
      await fs.lstat(p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        gone.push(p);
        if (digest) digests.push(digest);
      }
    }
  }
  for (let i = 0; i < gone.length; i += batchSize) {
    await db
      .deleteFrom('dedup_features')
      .where('path', 'in', gone.slice(i, i + batchSize))
      .execute();
  }
  return { count: gone.length, digests };
}
